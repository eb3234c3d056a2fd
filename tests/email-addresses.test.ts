import { describe, expect, it } from 'vitest';
import { hashEmail, isPlausibleEmail, normalizeEmail, redactAddresses } from '../src/email/address';

describe('email addresses', () => {
  it('normalises case, spaces, Unicode form and international domains, keeping dots and tags', () => {
    expect(normalizeEmail('  Ana.Maria+alerts@Example.ORG ')).toBe('ana.maria+alerts@example.org');
    expect(normalizeEmail('jose@bücher.de')).toBe('jose@xn--bcher-kva.de');
  });

  it('tells plausible addresses from the rest', () => {
    expect(isPlausibleEmail('ana@example.org')).toBe(true);
    for (const bad of ['', 'ana', 'ana@', '@example.org', 'ana@localhost', 'a b@example.org', `${'x'.repeat(300)}@example.org`]) {
      expect(isPlausibleEmail(bad), bad).toBe(false);
    }
  });

  it('hashes the normalised address with a key, so logs and suppressions never hold it', () => {
    const a = hashEmail('Ana@Example.org', 'secret-one-0123456789-0123456789');
    expect(a).toBe(hashEmail('ana@example.org', 'secret-one-0123456789-0123456789'));
    expect(a).not.toBe(hashEmail('ana@example.org', 'secret-two-0123456789-0123456789'));
    expect(a).not.toContain('ana');
    expect(redactAddresses('sent to ana@example.org ok')).not.toContain('ana@example.org');
  });
});
