import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOutWatchFlags } from '../src/alerts/instant/fanout';
import { findSubscriberByEmail } from '../src/db/subscribers';
import type { ChangePage } from '../src/routes/admin/changes/schema';
import { servicesIdle } from '../src/services';
import { subscriberLinks } from '../src/subscribers/links';
import { createTestApp, type TestApp } from '../testkit/app';
import { changingCountryPage } from '../testkit/country-page-source';
import { seedSubscribers } from '../testkit/digests';
import { sampleEvent } from '../testkit/events';

const page = changingCountryPage();
const flagged = sampleEvent({ country: 'KAZ', watchFlag: true });
const email = 'context-instant-0@example.org';
/** The report the Kazakhstan page carries with a watch flag. */
const PAGE_FLAGGED_REPORT = 'kaz-2024-01-draft-bill-targets-foreign-correspondents';
let t: TestApp;

const detectAt = async (at: string) => {
  t.clock.set(at);
  expect((await t.call('POST', '/v1/admin/detect', undefined, { admin: true })).status).toBe(200);
};
const adminChanges = async (query: string) => {
  const res = await t.call('GET', `/v1/admin/changes?after=0&limit=1000${query}`, undefined, { admin: true });
  expect(res.status).toBe(200);
  return ((await res.json()) as ChangePage).data;
};
const countryRows = () =>
  t.deps.db
    .selectFrom('changes')
    .select(['id', 'type'])
    .where('country_id', 'is not', null)
    .orderBy('id')
    .execute()
    .then((rows) => rows.map((r) => ({ id: Number(r.id), type: r.type })));

/** The four country changes the changed Kazakhstan page gives, one of each type, as the admin list shows them. */
const contextChanges = (sourceUrl: string) => [
  {
    type: 'country.facts_changed',
    countryId: 'KAZ',
    changed: {
      'Head of government': { old: 'Prime Minister Oljas Bektenov (since 2024)', new: 'Prime Minister Serik Zhumangarin (since 2025)' },
    },
    sourceUrl,
    detectedAt: '2025-01-20T06:00:00.000Z',
  },
  {
    type: 'country.treaty_status_changed',
    countryId: 'KAZ',
    changed: {
      'International Convention on Protection of the Rights of All Migrant Workers and Members of Their Families': {
        old: 'No Action',
        new: 'Signatory',
      },
    },
    sourceUrl,
    detectedAt: '2025-01-20T06:00:00.000Z',
  },
  {
    type: 'country.ranking_changed',
    countryId: 'KAZ',
    changed: { Rights: { old: '107/173', new: '101/173' } },
    sourceUrl,
    detectedAt: '2025-01-20T06:00:00.000Z',
  },
  {
    type: 'country.performance_changed',
    countryId: 'KAZ',
    changed: { Rights: { old: 'neutral', new: 'negative' } },
    sourceUrl,
    detectedAt: '2025-01-20T06:00:00.000Z',
  },
];

beforeAll(async () => {
  t = await createTestApp({ SOURCE_URLS: page.url });
  const [id] = await seedSubscribers(t.deps, { count: 1, prefix: 'context-instant', countries: ['KAZ'] });
  await t.deps.db.updateTable('subscribers').set({ instant_alerts: true, country_context: true }).where('id', '=', id!).execute();
  await detectAt('2025-01-10T06:00:00Z'); // first sight of Kazakhstan: its reports, no context change
  t.clock.set('2025-01-15T06:00:00Z');
  expect((await t.call('POST', '/v1/admin/events', { events: [flagged] }, { admin: true })).status).toBe(200);
  page.change();
  await detectAt('2025-01-20T06:00:00Z'); // one change of each country context type
  await servicesIdle(t.deps);
  await fanOutWatchFlags(t.deps);
  t.clock.set('2025-02-01T09:00:00Z');
}, 120_000);
afterAll(() => t.close());

describe('country context changes (country.*)', () => {
  it('GET /v1/admin/changes lists them beside the event changes, with old and new values', async () => {
    const all = await adminChanges('');
    const rows = await countryRows();
    expect(rows.map((r) => r.type)).toEqual(contextChanges('').map((c) => c.type));
    expect(all.filter((c) => 'countryId' in c)).toEqual(contextChanges(page.url).map((c, i) => ({ id: rows[i]!.id, ...c })));
    expect(all.map((c) => c.id)).toEqual([...all.map((c) => c.id)].sort((a, b) => a - b));
    expect(all.filter((c) => 'eventId' in c)).toHaveLength(6); // the page's 5 reports and the flagged one: published
  });

  it('GET /v1/admin/changes filters them by type and country', async () => {
    const rows = await countryRows();
    expect(await adminChanges('&type=country.ranking_changed')).toEqual([{ id: rows[2]!.id, ...contextChanges(page.url)[2] }]);
    expect((await adminChanges('&type=country.facts_changed,country.treaty_status_changed')).map((c) => c.type)).toEqual([
      'country.facts_changed',
      'country.treaty_status_changed',
    ]);
    expect(await adminChanges('&country=GEO')).toEqual([]);
    expect(await adminChanges('&country=kaz')).toHaveLength(10);
    const kazEvents = await adminChanges('&country=KAZ&type=event.published');
    expect(kazEvents.map((c) => c.type)).toEqual(Array(6).fill('event.published'));
    const bad = await t.call('GET', '/v1/admin/changes?type=country.nope', undefined, { admin: true });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(await bad.text()).toContain('type');
  });

  it('count in the expected volume when the selection chose country context, for its places and categories', async () => {
    const estimate = async (choices: object) => {
      const res = await t.call('POST', '/v1/expected-volume', { countries: ['KAZ'], skipEmpty: true, ...choices });
      expect(res.status).toBe(200);
      return res.json();
    };
    const since = '2024-08-01T09:00:00.000Z';
    expect(await estimate({ countryContext: true })).toEqual({
      months: 6,
      since,
      reports: 6,
      countryChanges: 4,
      digests: 1,
      instantAlerts: 0,
      emails: 1,
    });
    expect(await estimate({ countryContext: false })).toMatchObject({ reports: 6, countryChanges: 0 });
    // Basic Information and treaties belong to no category; the ranking and the trend that moved are Rights.
    expect(await estimate({ countryContext: true, categories: ['representation'] })).toMatchObject({ countryChanges: 2 });
    expect(await estimate({ countryContext: true, countries: ['GEO'] })).toMatchObject({ reports: 0, countryChanges: 0, digests: 0 });
    // Instant alerts count watch flags only (the page's flagged report and the one sent to the API), never a context change.
    expect(await estimate({ countryContext: true, instantAlerts: true })).toMatchObject({ countryChanges: 4, instantAlerts: 2 });

    const subscriber = (await findSubscriberByEmail(t.deps.db, email))!;
    const preferences = await (
      await t.app.request(
        subscriberLinks(t.deps, subscriber)
          .manage()
          .replace(/^https?:\/\/[^/]+/, ''),
      )
    ).text();
    expect(preferences).toContain(
      'your saved choices would have brought 6 reports and 4 country context changes in 6 digests and 2 instant watch-flag alerts: about 8 emails in all.',
    );
  });

  it('never send an instant alert: the instant path takes watch flags only', async () => {
    const subscriber = (await findSubscriberByEmail(t.deps.db, email))!;
    const flagChanges = await t.deps.db
      .selectFrom('changes')
      .select(['id', 'event_id'])
      .where('event_id', 'in', [PAGE_FLAGGED_REPORT, flagged.id])
      .where('type', '=', 'event.published')
      .orderBy('id')
      .execute();
    expect(flagChanges).toHaveLength(2);
    const items = await t.deps.db
      .selectFrom('instant_alert_items')
      .select(['change_id', 'event_id'])
      .where('subscriber_id', '=', subscriber.id)
      .orderBy('change_id')
      .execute();
    expect(items.map((i) => ({ change: Number(i.change_id), event: i.event_id }))).toEqual(
      flagChanges.map((c) => ({ change: Number(c.id), event: c.event_id })),
    );
    // The consumer went past the country changes without taking them; a second pass adds nothing.
    expect(await fanOutWatchFlags(t.deps)).toEqual({ changes: 0, items: 0 });
  });
});
