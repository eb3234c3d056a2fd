import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriberByEmail } from '../src/db/subscribers';
import type { SubscriberPreferences } from '../src/routes/preferences/schema';
import { subscriberLinks } from '../src/subscribers/links';
import { createTestApp, type TestApp } from '../testkit/app';
import { changingCountryPage } from '../testkit/country-page-source';
import { seedSubscribers } from '../testkit/digests';
import { readOutbox } from '../testkit/mailbox';

const page = changingCountryPage();
let t: TestApp;

const path = (url: string) => url.replace('https://alerts.example.org', '');
const manageOf = async (email: string) => path(subscriberLinks(t.deps, (await findSubscriberByEmail(t.deps.db, email))!).manage());
const putPreferences = async (email: string, body: object) => {
  const res = await t.call('PUT', (await manageOf(email)).replace('/preferences', '/v1/preferences'), body);
  expect(res.status).toBe(200);
  return ((await res.json()) as SubscriberPreferences).preferences;
};
const detectAt = async (at: string) => {
  t.clock.set(at);
  expect((await t.call('POST', '/v1/admin/detect', undefined, { admin: true })).status).toBe(200);
};
const digestTo = async (email: string) => {
  const mail = (await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === email);
  expect(mail, email).toHaveLength(1);
  return mail[0]!;
};

const expectedText = [
  'COUNTRY CONTEXT',
  '---------------',
  '',
  'What the tracker’s country pages now say differently: old and new values, and the day we read them.',
  '',
  'Kazakhstan · Basic information changed · read 20 January 2025',
  '  Head of government: Prime Minister Oljas Bektenov (since 2024) → Prime Minister Serik Zhumangarin (since 2025)',
  '',
  'Kazakhstan · Treaty status changed · read 20 January 2025',
  '  International Convention on Protection of the Rights of All Migrant Workers and Members of Their Families: No Action → Signatory',
  '',
  'Kazakhstan · Ranking changed · read 20 January 2025',
  '  Rights: 107/173 → 101/173',
  '',
  'Kazakhstan · 6-month trend changed · read 20 January 2025',
  '  Rights: neutral → negative',
  '',
].join('\n');

beforeAll(async () => {
  t = await createTestApp({ SOURCE_URLS: page.url });
  await seedSubscribers(t.deps, { count: 1, prefix: 'context-kaz', countries: ['KAZ'] });
  await seedSubscribers(t.deps, { count: 1, prefix: 'plain-kaz', countries: ['KAZ'] });
  await seedSubscribers(t.deps, { count: 1, prefix: 'context-geo', countries: ['GEO'] });
  await seedSubscribers(t.deps, { count: 1, prefix: 'context-representation', countries: ['KAZ'], categories: ['representation'] });
  for (const prefix of ['context-kaz', 'context-geo', 'context-representation']) {
    const email = `${prefix}-0@example.org`;
    const preferences = (await (
      await t.app.request((await manageOf(email)).replace('/preferences', '/v1/preferences'))
    ).json()) as SubscriberPreferences;
    expect(await putPreferences(email, { ...preferences.preferences, countryContext: true })).toMatchObject({ countryContext: true });
  }
  await detectAt('2025-01-10T06:00:00Z'); // first sight of Kazakhstan: its reports, no context change
  page.change();
  await detectAt('2025-01-20T06:00:00Z');
  t.clock.set('2025-02-01T09:00:00Z');
  expect((await t.call('POST', '/v1/admin/digests/run', { now: '2025-02-01T09:00:00Z' }, { admin: true })).status).toBe(200);
});
afterAll(() => t.close());

describe('"Country context" in the digest', () => {
  it('says what changed, old and new, and the day the page was read, in the text part', async () => {
    const mail = await digestTo('context-kaz-0@example.org');
    const at = mail.text.indexOf('COUNTRY CONTEXT');
    expect(at).toBeGreaterThan(0);
    expect(mail.text.slice(at, at + expectedText.length)).toBe(expectedText);
    // The page's reports are still there, above the section.
    expect(mail.text.indexOf('KAZAKHSTAN')).toBeLessThan(at);
  });

  it('and in the HTML part, under its own heading', async () => {
    const { html } = await digestTo('context-kaz-0@example.org');
    const section = html.slice(html.indexOf('<h2>Country context</h2>'));
    expect(section).toContain(
      '<strong><bdi>Kazakhstan</bdi></strong> &#183; <span class="m">Ranking changed &#183; read 20 January 2025</span>',
    );
    expect(section).toContain('<bdi>Rights: 107/173 &#8594; 101/173</bdi>');
    expect(section).toContain('<bdi>Rights: neutral &#8594; negative</bdi>');
    expect(section.split('<p class="x">').length - 1).toBe(4);
  });

  it('is only for readers who chose it, and only for their countries and categories', async () => {
    const plain = await digestTo('plain-kaz-0@example.org');
    expect(plain.text).not.toContain('COUNTRY CONTEXT');
    expect(plain.html).not.toContain('Country context');
    const georgia = await digestTo('context-geo-0@example.org');
    expect(georgia.text).not.toContain('COUNTRY CONTEXT');
    expect(georgia.text).toContain('No new or updated reports matched your alerts');
    // Basic Information and treaties belong to no category; the ranking and trend that moved are Rights.
    const representation = await digestTo('context-representation-0@example.org');
    expect(representation.text).toContain('Kazakhstan · Basic information changed');
    expect(representation.text).toContain('Kazakhstan · Treaty status changed');
    expect(representation.text).not.toContain('Ranking changed');
    expect(representation.text).not.toContain('6-month trend changed');
  });
});

describe('the "country context" choice', () => {
  it('is in the preference centre page and JSON', async () => {
    const html = await (await t.app.request(await manageOf('context-kaz-0@example.org'))).text();
    expect(html).toMatch(/<input type="checkbox" name="countryContext" checked=""/);
    expect(await putPreferences('context-kaz-0@example.org', { countries: ['KAZ'] })).toMatchObject({ countryContext: false });
    expect((await findSubscriberByEmail(t.deps.db, 'context-kaz-0@example.org'))?.country_context).toBe(false);
    const bad = await t.call('PUT', (await manageOf('context-kaz-0@example.org')).replace('/preferences', '/v1/preferences'), {
      countryContext: 'yes',
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('countryContext');

    // The page's form: ticked, then saved without the box.
    const postPage = async (fields: [string, string][]) => {
      const res = await t.app.request(await manageOf('context-kaz-0@example.org'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        body: new URLSearchParams(fields).toString(),
      });
      expect(res.status).toBe(303);
      return (await findSubscriberByEmail(t.deps.db, 'context-kaz-0@example.org'))?.country_context;
    };
    expect(
      await postPage([
        ['countries', 'KAZ'],
        ['countryContext', 'on'],
      ]),
    ).toBe(true);
    expect(await postPage([['countries', 'KAZ']])).toBe(false);
  });

  it('can be chosen at sign-up, by form and as JSON', async () => {
    const form = new URLSearchParams({ email: 'context-form@example.org', countries: 'KAZ', countryContext: 'on' });
    const res = await t.app.request('/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: form.toString(),
    });
    expect(res.status).toBe(303);
    expect((await findSubscriberByEmail(t.deps.db, 'context-form@example.org'))?.country_context).toBe(true);
    const json = await t.call('POST', '/v1/subscriptions', { email: 'context-json@example.org', countries: ['KAZ'], countryContext: true });
    expect(json.status).toBe(202);
    expect((await findSubscriberByEmail(t.deps.db, 'context-json@example.org'))?.country_context).toBe(true);
    const signUpPage = await (await t.app.request('/')).text();
    expect(signUpPage).toMatch(/<input type="checkbox" name="countryContext"\/?>/);
  });
});
