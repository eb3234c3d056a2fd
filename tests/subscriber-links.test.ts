import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriber, findSubscriberByEmail, findSuppression } from '../src/db/subscribers';
import { hashEmail } from '../src/email/address';
import type { SubscriberPreferences } from '../src/routes/preferences/schema';
import { subscriberLinks } from '../src/subscribers/links';
import { createTestApp, type TestApp } from '../testkit/app';
import { linkIn, readOutbox } from '../testkit/mailbox';

let t: TestApp;
let n = 0;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** Signs someone up through the API and returns their confirm link (relative) from the email. */
async function signUp(countries = ['KAZ']) {
  const email = `links-${++n}@example.org`;
  expect((await t.call('POST', '/v1/subscriptions', { email, countries })).status).toBe(202);
  await t.deps.background.idle();
  const mail = (await readOutbox(t.deps.config.dataDir)).find((m) => m.to === email)!;
  return { email, confirm: linkIn(mail, '/confirm'), unsubscribeHeader: mail.headers['list-unsubscribe']! };
}

async function confirmed() {
  const s = await signUp();
  expect((await t.app.request(s.confirm)).status).toBe(200);
  const row = (await findSubscriberByEmail(t.deps.db, s.email))!;
  const links = subscriberLinks(t.deps, row);
  const path = (url: string) => url.replace('https://alerts.example.org', '');
  return {
    ...s,
    row,
    manage: path(links.manage()),
    unsubscribe: path(links.unsubscribe()),
    manageToken: new URL(links.manage()).searchParams.get('token')!,
  };
}

describe('confirming (double opt-in)', () => {
  it('confirms, records consent, links to the preference centre, and is idempotent', async () => {
    const { email, confirm } = await signUp();
    const first = await t.app.request(confirm);
    expect(first.status).toBe(200);
    const page = await first.text();
    expect(page).toContain('Your alerts are confirmed');
    expect(page).toContain('/preferences?token=');
    const row = (await findSubscriberByEmail(t.deps.db, email))!;
    expect(row).toMatchObject({ status: 'confirmed', consent_source: 'api' });
    expect(row.consent_at?.toISOString()).toBe(t.clock.now().toISOString());
    expect((await t.app.request(confirm)).status).toBe(200);
  });

  it('refuses an expired confirm link with a clear page, not a 500', async () => {
    const { confirm, email } = await signUp();
    t.clock.advance(8 * 24 * 3600_000);
    const res = await t.app.request(confirm);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('expired');
    expect((await findSubscriberByEmail(t.deps.db, email))?.status).toBe('pending');
  });

  it('refuses tampered tokens and tokens made for another purpose', async () => {
    const c = await confirmed();
    const token = new URL(c.confirm, 'http://x').searchParams.get('token')!;
    const [payload, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), u: 'AAAAAAAAAAAAAAAAAAAAAA' }),
    ).toString('base64url');
    for (const [path, text] of [
      [`/confirm?token=${forged}.${mac}`, 'not valid'],
      [`/confirm?token=${payload}.${mac.slice(0, -2)}xx`, 'not valid'],
      [`/confirm?token=garbage`, 'incomplete'],
      [`/confirm?token=`, 'incomplete'],
      [c.manage.replace('/preferences', '/confirm'), 'something else'],
      [c.unsubscribe.replace('/unsubscribe', '/preferences'), 'something else'],
    ] as const) {
      const res = await t.app.request(path);
      expect(res.status, path).toBe(400);
      expect(await res.text(), path).toContain(text);
    }
  });
});

describe('the preference centre', () => {
  it('shows the choices on a page and as JSON', async () => {
    const c = await confirmed();
    const page = await (await t.app.request(c.manage)).text();
    expect(page).toContain(c.email);
    expect(page).toMatch(/value="KAZ" checked/);
    const json = (await (await t.app.request(`/v1/preferences?token=${c.manageToken}`)).json()) as SubscriberPreferences;
    expect(json).toMatchObject({ email: c.email, status: 'confirmed', preferences: { countries: ['KAZ'], frequency: 'monthly' } });
  });

  it('PUT replaces the choices in one go; an unknown country is a 422 naming the field and changes nothing', async () => {
    const c = await confirmed();
    const put = (body: unknown) => t.call('PUT', `/v1/preferences?token=${c.manageToken}`, body);
    const ok = await put({
      countries: ['NOR'],
      regions: ['Africa'],
      categories: ['participation'],
      frequency: 'weekly',
      timezone: 'Africa/Nairobi',
      skipEmpty: true,
    });
    expect(ok.status).toBe(200);
    expect(await findSubscriber(t.deps.db, c.row.id)).toMatchObject({
      countries: ['NOR'],
      regions: ['Africa'],
      frequency: 'weekly',
      timezone: 'Africa/Nairobi',
      skip_empty: true,
    });
    const bad = await put({ countries: ['NOR', 'XYZ'], categories: ['fun'] });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['countries[1]', 'categories[0]']);
    expect((await findSubscriber(t.deps.db, c.row.id))?.countries).toEqual(['NOR']);
  });

  /** The preference page's form, as a browser posts it: Uzbekistan, weekly. */
  const saveUzbekistanWeekly = (manage: string) =>
    t.app.request(manage, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: new URLSearchParams([
        ['countries', 'UZB'],
        ['frequency', 'weekly'],
        ['timezone', 'UTC'],
      ]).toString(),
    });

  it('the page form saves and says so', async () => {
    const c = await confirmed();
    const res = await saveUzbekistanWeekly(c.manage);
    expect(res.status).toBe(303);
    expect(await (await t.app.request(res.headers.get('location')!)).text()).toContain('Your choices are saved');
    expect((await findSubscriber(t.deps.db, c.row.id))?.countries).toEqual(['UZB']);
  });

  it('the page form refuses a JSON body with 415 instead of reading it as an empty form, and changes nothing', async () => {
    const c = await confirmed();
    await saveUzbekistanWeekly(c.manage);
    const res = await t.app.request(c.manage, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost' },
      body: JSON.stringify({ countries: ['NOR'] }),
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const row = await findSubscriber(t.deps.db, c.row.id);
    expect([row?.countries, row?.frequency]).toEqual([['UZB'], 'weekly']);
  });

  it('"sign out every link" retires every link sent before, of every purpose, and keeps the alerts', async () => {
    const c = await confirmed();
    const view = t.deps.tokens.sign('view', { publicId: c.row.public_id, version: c.row.token_version, ref: '1' }, { ttlMs: null });
    const post = (path: string) =>
      t.app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        body: '',
      });
    expect(await (await t.app.request(c.manage)).text()).toContain('Sign out every link');
    const signOut = await post(`/preferences/sign-out?token=${c.manageToken}`);
    expect(signOut.status).toBe(303);
    expect(signOut.headers.get('location')).toBe('/preferences/signed-out?lang=en');
    expect(await (await t.app.request('/preferences/signed-out')).text()).toContain('has stopped working');

    const manage = await t.app.request(c.manage);
    expect(manage.status).toBe(400);
    expect(await manage.text()).toContain('This link was signed out');
    expect((await t.app.request(`/v1/preferences?token=${c.manageToken}`)).status).toBe(401);
    expect((await t.app.request(`/digests/view?token=${view}`)).status).toBe(400);
    const unsubscribe = await post(c.unsubscribe);
    expect(unsubscribe.status).toBe(400);
    const row = await findSubscriber(t.deps.db, c.row.id);
    expect(row?.status).toBe('confirmed');
    expect(row?.token_version).toBe(c.row.token_version + 1);
    expect((await post(`/preferences/sign-out?token=${c.manageToken}`)).status).toBe(400);
  });

  it('answers 401 for a link that is not a manage link', async () => {
    const c = await confirmed();
    const unsubscribeToken = new URL(c.unsubscribe, 'http://x').searchParams.get('token');
    for (const token of [unsubscribeToken, 'garbage', '']) {
      const res = await t.app.request(`/v1/preferences?token=${token}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('unsubscribing', () => {
  it('a GET shows a button and never unsubscribes', async () => {
    const c = await confirmed();
    const res = await t.app.request(c.unsubscribe);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<form method="post" action="\/unsubscribe\/stop\?token=[^"]+"><button type="submit" class="danger">/);
    expect(await findSubscriber(t.deps.db, c.row.id)).toBeDefined();
  });

  it('RFC 8058 one-click POST answers 200 without a redirect, deletes the choices and keeps only a hash', async () => {
    const c = await confirmed();
    const oneClick = () =>
      t.app.request(c.unsubscribeHeader.slice(1, -1).replace('https://alerts.example.org', ''), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    const res = await oneClick();
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await findSubscriber(t.deps.db, c.row.id)).toBeUndefined();
    expect(await findSuppression(t.deps.db, hashEmail(c.email, t.deps.appSecret))).toMatchObject({ reason: 'unsubscribed' });
    const leftovers = await t.deps.db.selectFrom('suppressions').selectAll().execute();
    expect(JSON.stringify(leftovers)).not.toContain(c.email);
    expect((await oneClick()).status).toBe(200);
    expect((await t.app.request(c.manage)).status).toBe(400);
    expect((await t.app.request(`/v1/preferences?token=${c.manageToken}`)).status).toBe(401);
    const put = await t.call('PUT', `/v1/preferences?token=${c.manageToken}`, { countries: ['NOR'] });
    expect(put.status).toBe(401);
    expect(((await put.json()) as { detail: string }).detail).toMatch(/no longer works/);
  });

  it('DELETE /v1/preferences unsubscribes too', async () => {
    const c = await confirmed();
    expect((await t.call('DELETE', `/v1/preferences?token=${c.manageToken}`)).status).toBe(204);
    expect(await findSubscriber(t.deps.db, c.row.id)).toBeUndefined();
  });

  it('someone who left can sign up again; confirming lifts the suppression', async () => {
    const c = await confirmed();
    await t.app.request(c.unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    t.clock.advance(5 * 60_000);
    expect((await t.call('POST', '/v1/subscriptions', { email: c.email, countries: ['KAZ'] })).status).toBe(202);
    await t.deps.background.idle();
    const mails = (await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === c.email);
    expect((await t.app.request(linkIn(mails.at(-1)!, '/confirm'))).status).toBe(200);
    expect(await findSuppression(t.deps.db, hashEmail(c.email, t.deps.appSecret))).toBeUndefined();
  });
});
