import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { subscriberLinks } from '../src/subscribers/links';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { sampleEvent } from '../testkit/events';
import { type GnupgHome, gnupgHome } from '../testkit/gnupg';

let t: TestApp;
let gpg: GnupgHome;
const reader = 'pgp-0@example.org';
let key: { fingerprint: string; publicKey: string };

beforeAll(async () => {
  t = await createTestApp();
  gpg = gnupgHome();
  key = gpg.generate(reader);
  keysMadeNow();
  await seedSubscribers(t.deps, { count: 1, prefix: 'pgp', countries: ['KAZ'] });
}, 120_000);
afterAll(async () => {
  gpg?.close();
  await t?.close();
});

/** The service checks keys at its clock's time: keys just made are valid from the second gpg made them. */
const keysMadeNow = () => t.clock.set(new Date(Date.now() + 1000));
const path = (url: string) => url.replace('https://alerts.example.org', '');
const manageToken = async (email = reader) =>
  new URL(subscriberLinks(t.deps, (await findSubscriberByEmail(t.deps.db, email))!).manage()).searchParams.get('token')!;
const putKey = async (publicKey: string, email = reader) =>
  t.call('PUT', `/v1/preferences/openpgp-key?token=${encodeURIComponent(await manageToken(email))}`, { publicKey });
/** The raw .eml files of the outbox written to `to`, oldest first. */
const rawMailTo = (to: string) => {
  const dir = join(t.deps.config.dataDir, 'outbox');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .filter((eml) => new RegExp(`^To: ${to}\\r?$`, 'm').test(eml));
};
const outerHeader = (eml: string, name: string) =>
  new RegExp(`^${name}: (.*)$`, 'mi').exec(eml.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' '))?.[1]?.trim();

describe('OpenPGP-encrypted email', () => {
  it('takes a key only after the confirmation encrypted to it is followed, then encrypts every digest (PGP/MIME, protected headers) and GnuPG decrypts it', async () => {
    const offered = await putKey(key.publicKey);
    expect(offered.status).toBe(202);
    expect(await offered.json()).toMatchObject({ fingerprint: null, pendingFingerprint: key.fingerprint });
    await t.deps.background.idle();

    const [confirmation] = rawMailTo(reader);
    expect(confirmation).toBeDefined();
    expect(outerHeader(confirmation!, 'Content-Type')).toMatch(/^multipart\/encrypted; protocol="application\/pgp-encrypted"/);
    expect(outerHeader(confirmation!, 'Subject')).toBe('A message about your alerts');
    expect(confirmation).not.toContain(key.fingerprint);
    const inner = await PostalMime.parse(gpg.decryptEmail(confirmation!));
    expect(inner.subject).toBe('Confirm encrypted email for your Democracy Tracker alerts');
    const link = /https:\/\/alerts\.example\.org\/openpgp\/confirm\?token=[A-Za-z0-9._~%-]+/.exec(inner.text ?? '')![0];

    // Until then nothing is encrypted to it.
    expect((await findSubscriberByEmail(t.deps.db, reader))?.openpgp_key).toBeNull();
    const confirmed = await t.app.request(path(link));
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Your email is now encrypted');
    expect((await findSubscriberByEmail(t.deps.db, reader))?.openpgp_fingerprint).toBe(key.fingerprint);

    const event = sampleEvent({ id: 'pgp-kaz', country: 'KAZ', categories: ['rights'], factors: [], title: 'Satirist arrested in Almaty' });
    expect((await t.call('POST', '/v1/admin/events', { events: [event] }, { admin: true })).status).toBe(200);
    const period = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1, 9)).toISOString();
    expect((await t.call('POST', '/v1/admin/digests/run', { now: period }, { admin: true })).status).toBe(200);
    const digest = rawMailTo(reader).at(-1)!;
    expect(outerHeader(digest, 'Subject')).toBe('Your monthly update');
    expect(digest).not.toContain('Satirist');
    expect(digest).not.toContain('Kazakhstan');
    // One-click unsubscribe stays outside, readable without the key.
    const unsubscribe = outerHeader(digest, 'List-Unsubscribe')!;
    expect(outerHeader(digest, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

    const decrypted = gpg.decryptEmail(digest);
    expect(decrypted).toMatch(/Content-Type: multipart\/alternative;[^\r\n]*(\r\n\s+[^\r\n]*)*protected-headers="?v1"?/);
    const parsed = await PostalMime.parse(decrypted);
    expect(parsed.subject).toMatch(/Democracy Tracker monthly digest/);
    expect(parsed.to?.[0]?.address).toBe(reader);
    expect(parsed.text).toContain('Satirist arrested in Almaty');
    expect(parsed.html).toContain('Satirist arrested in Almaty');

    const oneClick = await t.app.request(path(unsubscribe.slice(1, -1)), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await findSubscriberByEmail(t.deps.db, reader)).toBeUndefined();
  });

  it('refuses, with a 422 that says why, keys that are invalid, expired, revoked, sign-only, too large, secret, or for another address', async () => {
    await seedSubscribers(t.deps, { count: 1, prefix: 'refusals', countries: ['KAZ'] });
    const owner = 'refusals-0@example.org';
    const good = gpg.generate(owner);
    const expiring = gpg.generate(`Expiring <${owner}>`, { expire: '1d' });
    const revoked = gpg.generate(`Revoked <${owner}>`);
    const signOnly = gpg.generate(`Signing <${owner}>`, { algo: 'ed25519', usage: 'sign' });
    const stranger = gpg.generate('stranger@example.org');
    const secret = gpg.secretKey(good.fingerprint);
    keysMadeNow();
    const cases: [string, string, RegExp][] = [
      ['armour', 'not a key at all', /not an armoured OpenPGP public key/],
      ['too-large', `${good.publicKey}${'A'.repeat(70_000)}`, /too long/],
      ['secret-key', secret, /SECRET \(private\) key/],
      ['revoked', gpg.revoke(revoked.fingerprint), /revoked/],
      ['no-encryption-key', signOnly.publicKey, /no usable key for encryption/],
      ['other-address', stranger.publicKey, /another address/],
    ];
    for (const [reason, pasted, words] of cases) {
      const res = await putKey(pasted, owner);
      expect(res.status, reason).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { type: string; detail: string; errors: { path: string }[] };
      expect(problem.type, reason).toMatch(new RegExp(`openpgp-key-${reason}$`));
      expect(problem.detail, reason).toMatch(words);
      expect(problem.errors[0]!.path).toBe('publicKey');
    }
    t.clock.advance(2 * 86_400_000);
    const expired = await putKey(expiring.publicKey, owner);
    expect(expired.status).toBe(422);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);

    // The secret key was neither stored nor logged.
    const row = (await findSubscriberByEmail(t.deps.db, owner))!;
    expect([row.openpgp_key, row.openpgp_pending_key]).toEqual([null, null]);
    const secretBody = secret.split('\n').find((line) => line.length > 60)!;
    expect(t.logs.lines.join('\n')).not.toContain(secretBody);
    expect(t.logs.lines.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('lets the key be replaced and removed, from the page (errors beside the field) and the JSON API', async () => {
    await seedSubscribers(t.deps, { count: 1, prefix: 'page', countries: ['KAZ'] });
    const owner = 'page-0@example.org';
    const token = await manageToken(owner);
    const pageUrl = `/preferences/openpgp?token=${encodeURIComponent(token)}`;
    const page = await t.app.request(pageUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<textarea id="publicKey" name="publicKey"');

    const post = (action: string, body: Record<string, string>) =>
      t.app.request(`${action}?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        body: new URLSearchParams(body).toString(),
      });
    // POST-redirect-GET: the refusal and the pasted text come back on the page, through a short-lived encrypted cookie.
    const refused = await post('/preferences/openpgp', { publicKey: 'not a key at all' });
    expect(refused.status).toBe(303);
    const location = refused.headers.get('location')!;
    expect(location).toMatch(/^\/preferences\/openpgp\?token=.+&draft=[\w-]+$/);
    const bad = await t.app.request(location, { headers: { cookie: refused.headers.get('set-cookie')!.split(';')[0]! } });
    expect(bad.status).toBe(200);
    const badPage = await bad.text();
    expect(badPage).toMatch(/<!doctype html>/i);
    expect(badPage).toContain('aria-invalid="true"');
    expect(badPage).toContain('id="publicKey-error"');
    expect(badPage).toContain('not a key at all'); // what was typed stays

    const first = gpg.generate(owner);
    keysMadeNow();
    const sent = await post('/preferences/openpgp', { publicKey: first.publicKey });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toContain('done=sent');
    const replacement = gpg.generate(`Second <${owner}>`, { algo: 'rsa3072', usage: 'sign', encryptionSubkey: 'rsa3072' });
    keysMadeNow();
    const replaced = await putKey(replacement.publicKey, owner);
    expect(replaced.status, await replaced.clone().text()).toBe(202);
    expect(await findSubscriberByEmail(t.deps.db, owner)).toMatchObject({ openpgp_pending_fingerprint: replacement.fingerprint });

    const removed = await post('/preferences/openpgp/remove', {});
    expect(removed.status).toBe(303);
    expect(await findSubscriberByEmail(t.deps.db, owner)).toMatchObject({ openpgp_key: null, openpgp_pending_key: null });
    expect((await t.call('DELETE', `/v1/preferences/openpgp-key?token=${encodeURIComponent(token)}`)).status).toBe(204);
  });
});
