import { describe, expect, it } from 'vitest';
import { fixedClock } from '../src/clock';
import { createTokenSigner, tokenPurposes } from '../src/email/tokens';
import { signLegacyLinkToken } from '../testkit/legacy-link-token';

const SECRET = 'a-test-application-secret-of-at-least-32-chars';
const ID = '6f1c2a4e-9b7d-4c3f-8e21-0a5b6c7d8e9f';
const DAY = 24 * 60 * 60 * 1000;

const setup = () => {
  const clock = fixedClock('2025-02-01T09:00:00Z');
  return { clock, signer: createTokenSigner(SECRET, clock) };
};

/** Flips one character of a base64url string, keeping it base64url. */
const flip = (text: string, index: number) => text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

describe('signed link tokens', () => {
  it('round-trip their claims for every purpose', () => {
    const { signer } = setup();
    for (const purpose of tokenPurposes) {
      const token = signer.sign(purpose, { publicId: ID, version: 3, ref: 'digest:2025-02' });
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      const result = signer.verify(token, purpose);
      expect(result).toEqual({
        ok: true,
        claims: expect.objectContaining({
          purpose,
          subscriber: { publicId: ID },
          version: 3,
          ref: 'digest:2025-02',
          issuedAt: new Date('2025-02-01T09:00:00Z'),
        }),
      });
    }
  });

  it('name the subscriber by an opaque public id, never by the sequential row id', () => {
    const { signer } = setup();
    const token = signer.sign('manage', { publicId: ID, version: 1 });
    const payload = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(payload).not.toHaveProperty('s');
    expect(Buffer.from(payload.u, 'base64url').toString('hex')).toBe(ID.replaceAll('-', ''));
  });

  it('still accept tokens signed before public ids, which name the row id', () => {
    const { clock, signer } = setup();
    const legacy = signLegacyLinkToken(SECRET, 'unsubscribe', { subscriberId: 42, version: 3, issuedAt: clock.now() });
    expect(signer.verify(legacy, 'unsubscribe')).toEqual({
      ok: true,
      claims: { purpose: 'unsubscribe', subscriber: { id: 42 }, version: 3, issuedAt: clock.now() },
    });
    expect(signer.verify(legacy, 'manage')).toEqual({ ok: false, reason: 'wrong-purpose' });
  });

  it('refuse a tampered payload or signature', () => {
    const { signer } = setup();
    const token = signer.sign('unsubscribe', { publicId: ID, version: 1 });
    const [payload, signature] = token.split('.') as [string, string];

    const otherSubscriber = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), u: 'AAAAAAAAAAAAAAAAAAAAAA' }),
    ).toString('base64url');
    expect(signer.verify(`${otherSubscriber}.${signature}`, 'unsubscribe')).toEqual({ ok: false, reason: 'bad-signature' });
    expect(signer.verify(`${payload}.${flip(signature, 5)}`, 'unsubscribe')).toEqual({ ok: false, reason: 'bad-signature' });
    // The last character carries 2 unused bits: another spelling of the same MAC bytes is still refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = signature.slice(0, -1) + alphabet[alphabet.indexOf(signature.at(-1)!) ^ 1];
    expect(Buffer.from(sameBytes, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    expect(signer.verify(`${payload}.${sameBytes}`, 'unsubscribe')).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuse a token of one purpose used for another', () => {
    const { signer } = setup();
    const confirm = signer.sign('confirm', { publicId: ID, version: 1 });
    expect(signer.verify(confirm, 'unsubscribe')).toEqual({ ok: false, reason: 'wrong-purpose' });
    expect(signer.verify(signer.sign('manage', { publicId: ID, version: 1 }), 'confirm')).toEqual({
      ok: false,
      reason: 'wrong-purpose',
    });

    // Relabelling the purpose inside the payload breaks the signature: each purpose has its own key.
    const [payload, signature] = confirm.split('.') as [string, string];
    const relabelled = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), p: 'unsubscribe' }),
    ).toString('base64url');
    expect(signer.verify(`${relabelled}.${signature}`, 'unsubscribe')).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('expire confirmation tokens after 7 days by default, or a chosen ttl', () => {
    const { clock, signer } = setup();
    const token = signer.sign('confirm', { publicId: ID, version: 1 });
    const short = signer.sign('confirm', { publicId: ID, version: 1 }, { ttlMs: 60_000 });

    clock.advance(7 * DAY - 1_000);
    expect(signer.verify(token, 'confirm')).toMatchObject({ ok: true, claims: { expiresAt: new Date('2025-02-08T09:00:00Z') } });
    expect(signer.verify(short, 'confirm')).toEqual({ ok: false, reason: 'expired' });
    clock.advance(1_000);
    expect(signer.verify(token, 'confirm')).toEqual({ ok: false, reason: 'expired' });
  });

  it('never expire unsubscribe and manage tokens: old emails keep working', () => {
    const { clock, signer } = setup();
    const unsubscribe = signer.sign('unsubscribe', { publicId: ID, version: 1 });
    const manage = signer.sign('manage', { publicId: ID, version: 1 });
    clock.advance(10 * 365 * DAY);
    expect(signer.verify(unsubscribe, 'unsubscribe')).toMatchObject({ ok: true, claims: { subscriber: { publicId: ID } } });
    expect(signer.verify(manage, 'manage')).toMatchObject({ ok: true });
    expect((signer.verify(unsubscribe, 'unsubscribe') as { claims: object }).claims).not.toHaveProperty('expiresAt');
  });

  it("carry the subscriber's token version, for the caller to compare with the database", () => {
    const { signer } = setup();
    const result = signer.verify(signer.sign('manage', { publicId: ID, version: 5 }), 'manage');
    expect(result).toMatchObject({ ok: true, claims: { subscriber: { publicId: ID }, version: 5 } });
  });

  it('refuse a token signed with another secret', () => {
    const { clock, signer } = setup();
    const foreign = createTokenSigner('another-application-secret-of-32-chars-or-more', clock).sign('unsubscribe', {
      publicId: ID,
      version: 1,
    });
    expect(signer.verify(foreign, 'unsubscribe')).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuse malformed input without throwing', () => {
    const { signer } = setup();
    const token = signer.sign('unsubscribe', { publicId: ID, version: 1 });
    const mac = token.split('.')[1]!;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const inputs: unknown[] = [
      '',
      '.',
      'abc',
      'not.a.token',
      `${token}.extra`,
      `${token} `,
      'x'.repeat(100_000),
      `${'A'.repeat(5_000)}.${mac}`,
      '🙂.🙂',
      'Ωmega.ßeta',
      '\u0000.\u0000',
      `${encode('just a string')}.${mac}`,
      `${encode([1, 2])}.${mac}`,
      `${encode({ p: 'unsubscribe', s: -1, v: 1, i: 0 })}.${mac}`,
      `${encode({ p: 'admin', s: 1, v: 1, i: 0 })}.${mac}`,
      `${encode({ p: 'unsubscribe', s: '1', v: 1, i: 0 })}.${mac}`,
      `${encode({ p: 'unsubscribe', u: 'short', v: 1, i: 0 })}.${mac}`,
      `${encode({ p: 'unsubscribe', u: 'AAAAAAAAAAAAAAAAAAAAAA', s: 1, v: 1, i: 0 })}.${mac}`,
      `${encode({ p: 'unsubscribe', v: 1, i: 0 })}.${mac}`,
      `${Buffer.from('{not json').toString('base64url')}.${mac}`,
      null,
      undefined,
      42,
      { token },
    ];
    for (let i = 0; i < 200; i++) {
      inputs.push(`${Buffer.from(Array.from({ length: 1 + (i % 90) }, (_, j) => (i * 31 + j * 17) % 256)).toString('base64url')}.${mac}`);
    }
    for (const input of inputs) {
      expect(() => signer.verify(input, 'unsubscribe')).not.toThrow();
      const result = signer.verify(input, 'unsubscribe');
      expect(result.ok).toBe(false);
      expect(['malformed', 'bad-signature']).toContain((result as { reason: string }).reason);
    }
  });

  it('refuse to sign claims that could not be verified', () => {
    const { signer } = setup();
    expect(() => signer.sign('manage', { publicId: '42', version: 1 })).toThrow(RangeError);
    expect(() => signer.sign('manage', { publicId: ID, version: 1.5 })).toThrow(RangeError);
    expect(() => signer.sign('view', { publicId: ID, version: 1, ref: 'x'.repeat(2_000) })).toThrow(RangeError);
  });
});
