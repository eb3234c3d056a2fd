import { describe, expect, it } from 'vitest';
import { openSecret, SecretBoxError, sealSecret } from '../src/alerts/webhooks/secret-box';
import { generateWebhookSecret } from '../src/alerts/webhooks/sign';

const APP_SECRET = 'a-test-application-secret-of-at-least-32-chars';

/** Replaces one base64url character of a sealed part with another valid one. */
const flipPart = (sealed: string, partIndex: number, charIndex: number) => {
  const parts = sealed.split('.');
  const part = parts[partIndex]!;
  parts[partIndex] = part.slice(0, charIndex) + (part[charIndex] === 'A' ? 'B' : 'A') + part.slice(charIndex + 1);
  return parts.join('.');
};

describe('webhook secrets at rest', () => {
  it('round-trip through seal and open', () => {
    const secret = generateWebhookSecret();
    const sealed = sealSecret(APP_SECRET, secret);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(openSecret(APP_SECRET, sealed)).toBe(secret);
    expect(openSecret(APP_SECRET, sealSecret(APP_SECRET, 'ünïcødé ✓'))).toBe('ünïcødé ✓');
  });

  it('use a fresh random nonce every time', () => {
    const secret = generateWebhookSecret();
    const sealings = Array.from({ length: 20 }, () => sealSecret(APP_SECRET, secret));
    expect(new Set(sealings).size).toBe(20);
    expect(new Set(sealings.map((sealed) => sealed.split('.')[1])).size).toBe(20);
    for (const sealed of sealings) expect(openSecret(APP_SECRET, sealed)).toBe(secret);
  });

  it('never contain the secret in any readable form', () => {
    const secret = generateWebhookSecret();
    const sealed = sealSecret(APP_SECRET, secret);
    const key = secret.slice('whsec_'.length);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(key);
    expect(sealed).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(sealed).not.toContain(Buffer.from(key, 'base64').toString('base64url'));
  });

  it('detect tampering with the ciphertext, the tag, the nonce or the version', () => {
    const sealed = sealSecret(APP_SECRET, generateWebhookSecret());
    const ciphertextLength = sealed.split('.')[2]!.length;
    for (const tampered of [flipPart(sealed, 2, 0), flipPart(sealed, 2, ciphertextLength - 5), flipPart(sealed, 1, 3)]) {
      expect(tampered).not.toBe(sealed);
      expect(() => openSecret(APP_SECRET, tampered)).toThrow(SecretBoxError);
      expect(() => openSecret(APP_SECRET, tampered)).toThrow(/wrong APP_SECRET or tampered/);
    }
    // Another spelling of the same bytes (the last base64url character has unused bits) is refused too.
    // 1 byte + 16 tag bytes = 17 bytes: 23 characters with 2 unused bits in the last one.
    const short = sealSecret(APP_SECRET, 'x');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = short.slice(0, -1) + alphabet[alphabet.indexOf(short.at(-1)!) ^ 1];
    expect(Buffer.from(respelled.split('.')[2]!, 'base64url')).toEqual(Buffer.from(short.split('.')[2]!, 'base64url'));
    expect(() => openSecret(APP_SECRET, respelled)).toThrow(/malformed/);
    // Truncated, re-versioned or otherwise malformed values give a clear error, not a crypto stack.
    for (const malformed of [sealed.replace(/^v1/, 'v2'), sealed.slice(0, 20), 'v1..', `${sealed}.extra`, '', 'whsec_plain']) {
      expect(() => openSecret(APP_SECRET, malformed)).toThrow(/malformed/);
    }
  });

  it('cannot be opened with another APP_SECRET', () => {
    const sealed = sealSecret(APP_SECRET, generateWebhookSecret());
    expect(() => openSecret(`${APP_SECRET}-rotated`, sealed)).toThrow(SecretBoxError);
    expect(() => openSecret(`${APP_SECRET}-rotated`, sealed)).toThrow(/wrong APP_SECRET or tampered/);
    expect(() => sealSecret('', 'x')).toThrow(/APP_SECRET is empty/);
  });
});
