import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { hashEmail } from '../src/email/address';
import type { SubscriptionRequest } from '../src/routes/subscriptions/schema';
import { subscriptionAccepted } from '../src/routes/subscriptions/schema';
import { confirmSubscription } from '../src/subscribers/manage';
import { createTestApp, type TestApp } from '../testkit/app';
import { readOutbox } from '../testkit/mailbox';

let t: TestApp;
let ip = 0;
beforeAll(async () => {
  t = await createTestApp({ TRUST_PROXY: '1' });
});
afterAll(() => t.close());

/** Each call comes from its own client address unless one is given. */
async function subscribe(body: SubscriptionRequest | Record<string, unknown>, from = `203.0.113.${++ip % 250}`) {
  const res = await t.call('POST', '/v1/subscriptions', body, { headers: { 'x-forwarded-for': from } });
  await t.deps.background.idle();
  return res;
}
const mailTo = async (email: string) => (await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === email);

describe('POST /v1/subscriptions', () => {
  it('stores a pending subscriber and sends a confirmation email with both parts and one-click headers', async () => {
    const res = await subscribe({
      email: 'Ana@Example.org',
      countries: ['kaz'],
      regions: ['Europe'],
      categories: ['rights'],
      frequency: 'weekly',
      timezone: 'Asia/Almaty',
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual(subscriptionAccepted);
    const row = await findSubscriberByEmail(t.deps.db, 'ana@example.org');
    expect(row).toMatchObject({
      status: 'pending',
      countries: ['KAZ'],
      regions: ['Europe'],
      categories: ['rights'],
      frequency: 'weekly',
      timezone: 'Asia/Almaty',
      consent_source: 'api',
      confirmed_at: null,
    });
    const [email] = await mailTo('ana@example.org');
    expect(email?.subject).toMatch(/confirm/i);
    expect(email?.text).toContain('https://alerts.example.org/confirm?token=');
    expect(email?.html).toContain('https://alerts.example.org/confirm?token=');
    expect(email?.headers['list-unsubscribe']).toMatch(/^<https:\/\/alerts\.example\.org\/unsubscribe\?token=[^>]+>$/);
    expect(email?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
  });

  it('answers identically whatever state the address is in', async () => {
    const confirmed = 'confirmed@example.org';
    await subscribe({ email: confirmed });
    await confirmSubscription(t.deps, (await findSubscriberByEmail(t.deps.db, confirmed))!.id);
    await subscribe({ email: 'pending@example.org' });
    await t.deps.db
      .insertInto('suppressions')
      .values({ email_hash: hashEmail('bounced@example.org', t.deps.appSecret), reason: 'bounced', created_at: new Date() })
      .execute();

    const answers = [];
    for (const email of ['new@example.org', 'pending@example.org', confirmed, 'bounced@example.org']) {
      const res = await subscribe({ email, countries: ['NOR'] });
      answers.push({ status: res.status, body: await res.text(), type: res.headers.get('content-type') });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  it('re-sends to a pending address only after a pause, with the latest choices', async () => {
    const email = 'again@example.org';
    await subscribe({ email, countries: ['NOR'] });
    await subscribe({ email, countries: ['SWE'] });
    expect(await mailTo(email)).toHaveLength(1);
    t.clock.advance(3 * 60_000);
    await subscribe({ email, countries: ['FIN'] });
    expect(await mailTo(email)).toHaveLength(2);
    expect((await findSubscriberByEmail(t.deps.db, email))?.countries).toEqual(['FIN']);
  });

  it('sends a confirmed address a "manage your alerts" email and changes nothing', async () => {
    const email = 'settled@example.org';
    await subscribe({ email, countries: ['NOR'] });
    await confirmSubscription(t.deps, (await findSubscriberByEmail(t.deps.db, email))!.id);
    t.clock.advance(3 * 60_000);
    await subscribe({ email, countries: ['BRA'] });
    const mails = await mailTo(email);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text).toContain('https://alerts.example.org/preferences?token=');
    expect(await findSubscriberByEmail(t.deps.db, email)).toMatchObject({ status: 'confirmed', countries: ['NOR'] });
  });

  it('sends nothing at all to a bounced or complaining address', async () => {
    const email = 'complains@example.org';
    await t.deps.db
      .insertInto('suppressions')
      .values({ email_hash: hashEmail(email, t.deps.appSecret), reason: 'complained', created_at: new Date() })
      .execute();
    expect((await subscribe({ email })).status).toBe(202);
    expect(await mailTo(email)).toEqual([]);
    expect(await findSubscriberByEmail(t.deps.db, email)).toBeUndefined();
  });

  it('names each bad field in a 422 and stores nothing', async () => {
    const res = await subscribe({
      email: 'not-an-email',
      countries: ['KAZ', 'ATLANTIS'],
      regions: ['Middle Earth'],
      categories: ['economy'],
      frequency: 'daily',
      timezone: 'Mars/Olympus',
      colour: 'red',
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual(
      ['(body)', 'categories[0]', 'countries[1]', 'email', 'frequency', 'regions[0]', 'timezone'].sort(),
    );
    expect(await findSubscriberByEmail(t.deps.db, 'not-an-email')).toBeUndefined();
  });

  it('limits sign-ups per address and per client with a 429 and Retry-After', async () => {
    const email = 'eager@example.org';
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await subscribe({ email })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);

    const limited = [];
    for (let i = 0; i < 21; i++) limited.push(await subscribe({ email: `client-${i}@example.org` }, '198.51.100.7'));
    const last = limited.at(-1)!;
    expect(limited.slice(0, 20).every((r) => r.status === 202)).toBe(true);
    expect(last.status).toBe(429);
    expect(last.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('sign-ups at the same moment', () => {
  it('keep both limits exact: of 30 from one client 20 get through, of 12 for one address 5, with one subscriber and one email', async () => {
    const client = '198.51.100.200';
    const fromOneClient = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.call('POST', '/v1/subscriptions', { email: `crowd-${i}@example.org` }, { headers: { 'x-forwarded-for': client } }),
      ),
    );
    expect(fromOneClient.filter((r) => r.status === 202)).toHaveLength(20);
    expect(fromOneClient.filter((r) => r.status === 429)).toHaveLength(10);

    const email = 'stampede@example.org';
    const forOneAddress = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.call('POST', '/v1/subscriptions', { email, countries: ['NOR'] }, { headers: { 'x-forwarded-for': `192.0.2.${200 + i}` } }),
      ),
    );
    await t.deps.background.idle();
    expect(forOneAddress.filter((r) => r.status === 202)).toHaveLength(5);
    expect(forOneAddress.filter((r) => r.status === 429)).toHaveLength(7);
    const rows = await t.deps.db.selectFrom('subscribers').select('id').where('email', '=', email).execute();
    expect(rows).toHaveLength(1);
    expect(await mailTo(email)).toHaveLength(1);
  });
});

describe('the sign-up form post', () => {
  const form = (fields: [string, string][], origin?: string) =>
    t.app.request('/v1/subscriptions', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': `192.0.2.${++ip % 250}`,
        ...(origin ? { origin } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });

  it('redirects to a page (POST-redirect-GET), and records the form as the consent source', async () => {
    const res = await form(
      [
        ['email', 'form@example.org'],
        ['countries', 'KAZ'],
        ['countries', 'UZB'],
        ['categories', 'rights'],
        ['frequency', 'monthly'],
        ['timezone', 'Europe/Paris'],
        ['skipEmpty', 'on'],
      ],
      'http://localhost',
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/check-inbox?lang=en');
    const page = await t.app.request('/check-inbox');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('Check your inbox');
    await t.deps.background.idle();
    expect(await findSubscriberByEmail(t.deps.db, 'form@example.org')).toMatchObject({
      countries: ['KAZ', 'UZB'],
      skip_empty: true,
      consent_source: 'signup-page',
    });
  });

  it('shows the form again with the problems when a field is wrong, after a redirect (POST-redirect-GET)', async () => {
    const res = await form(
      [
        ['email', 'nope'],
        ['countries', 'XXX'],
      ],
      'http://localhost',
    );
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const shown = await t.app.request(res.headers.get('location')!, { headers: { cookie } });
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('Enter your email address in the form name@example.org.');
    expect(html).toContain('“XXX” is not a country in our list.');
  });

  it('refuses a form posted from another site', async () => {
    const res = await form([['email', 'csrf@example.org']], 'https://evil.example');
    expect(res.status).toBe(403);
    expect(await findSubscriberByEmail(t.deps.db, 'csrf@example.org')).toBeUndefined();
  });
});
