import { extractFromJson, extractFromXml } from '@extractus/feed-extractor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchDue } from '../src/alerts/webhooks/delivery-loop';
import { fanOutChanges } from '../src/alerts/webhooks/fanout';
import { createTestApp, type TestApp } from '../testkit/app';
import { changingCountryPage } from '../testkit/country-page-source';
import { startReceiver } from '../testkit/webhook-receiver';

const page = changingCountryPage();
let t: TestApp;
const receivers: Record<string, Awaited<ReturnType<typeof startReceiver>>> = {};
const firstRead = new Date(Date.now() - 60_000);
const secondRead = new Date();

const detect = async () => {
  const res = await t.call('POST', '/v1/admin/detect', undefined, { admin: true });
  expect(res.status).toBe(200);
};
const countryChangeRows = () =>
  t.deps.db
    .selectFrom('changes')
    .select(['type', 'country_id', 'event_id', 'previous', 'detected_at'])
    .where('country_id', 'is not', null)
    .orderBy('id')
    .execute();

/** What the second read of the page changed: one change of each country type. */
const expectedChanges = [
  {
    type: 'country.facts_changed',
    changed: {
      'Head of government': { old: 'Prime Minister Oljas Bektenov (since 2024)', new: 'Prime Minister Serik Zhumangarin (since 2025)' },
    },
  },
  {
    type: 'country.treaty_status_changed',
    changed: {
      'International Convention on Protection of the Rights of All Migrant Workers and Members of Their Families': {
        old: 'No Action',
        new: 'Signatory',
      },
    },
  },
  { type: 'country.ranking_changed', changed: { Rights: { old: '107/173', new: '101/173' } } },
  { type: 'country.performance_changed', changed: { Rights: { old: 'neutral', new: 'negative' } } },
];

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1', SOURCE_URLS: page.url });
  const endpoints = {
    kazakhstan: { countries: ['KAZ'] },
    rankingsOnly: { types: ['country.ranking_changed'] },
    georgia: { countries: ['GEO'] },
    representation: { categories: ['representation'], types: ['country.ranking_changed', 'country.facts_changed'] },
  };
  for (const [name, filters] of Object.entries(endpoints)) {
    const receiver = await startReceiver();
    const created = await t.call('POST', '/v1/webhooks', { url: receiver.url, ...filters }, { admin: true });
    expect(created.status).toBe(201);
    receiver.setSecret(((await created.json()) as { secret: string }).secret);
    receivers[name] = receiver;
  }
  t.clock.set(firstRead);
  await detect();
});
afterAll(async () => {
  await Promise.all(Object.values(receivers).map((r) => r.close()));
  await t.close();
});

describe('country context, detected and delivered', () => {
  it('first sight of a country stores its context and writes no change', async () => {
    expect(await countryChangeRows()).toEqual([]);
    const stored = await t.deps.db.selectFrom('country_contexts').selectAll().where('country_id', '=', 'KAZ').executeTakeFirstOrThrow();
    expect(stored.source_url).toBe(page.url);
    expect(stored.read_at.toISOString()).toBe(firstRead.toISOString());
    expect(stored.context.rankings).toEqual({
      Representation: '128/173',
      Rights: '107/173',
      'Rule of Law': '112/173',
      Participation: '142/173',
    });
  });

  it('a changed page writes exactly one change row per changed item, old and new values, dated when read; the same page again writes none', async () => {
    page.change();
    t.clock.set(secondRead);
    await detect();
    const rows = await countryChangeRows();
    expect(rows).toEqual(
      expectedChanges.map((c) => ({ type: c.type, country_id: 'KAZ', event_id: null, previous: c.changed, detected_at: secondRead })),
    );
    await detect(); // the file is unchanged: not even parsed
    expect(await countryChangeRows()).toHaveLength(4);
  });

  it('webhooks carry each change to the endpoints whose type, country and category filters match, signed', async () => {
    await t.deps.webhookPump.idle();
    await fanOutChanges(t.deps);
    await dispatchDue(t.deps);
    // In change-log order: up to 4 deliveries per endpoint are in flight at once, so they may arrive in any order.
    const changeId = (r: { body: Record<string, unknown> }) => (r.body.data as { change: { id: number } }).change.id;
    const countryMessages = (name: string) =>
      receivers[name]!.received.filter((r) => r.type.startsWith('country.')).sort((a, b) => changeId(a) - changeId(b));
    for (const receiver of Object.values(receivers)) expect(receiver.received.every((r) => r.verified)).toBe(true);

    const all = countryMessages('kazakhstan');
    expect(all.map((r) => r.type)).toEqual(expectedChanges.map((c) => c.type));
    const ranking = all.find((r) => r.type === 'country.ranking_changed')!.body;
    expect(ranking).toMatchObject({
      type: 'country.ranking_changed',
      timestamp: secondRead.toISOString(),
      data: {
        change: { type: 'country.ranking_changed', detectedAt: secondRead.toISOString() },
        country: { id: 'KAZ', name: 'Kazakhstan', region: 'Asia', url: page.url },
        changed: { Rights: { old: '107/173', new: '101/173' } },
      },
    });
    // Reports of the page go to the Kazakhstan endpoint too, as before.
    expect(receivers.kazakhstan!.received.some((r) => r.type === 'event.published')).toBe(true);

    expect(countryMessages('rankingsOnly').map((r) => r.type)).toEqual(['country.ranking_changed']);
    expect(receivers.rankingsOnly!.received).toHaveLength(1);
    expect(countryMessages('georgia')).toEqual([]);
    // Basic Information belongs to no category (so matches any); the ranking that moved is Rights, not Representation.
    expect(countryMessages('representation').map((r) => r.type)).toEqual(['country.facts_changed']);
  });

  it('GET /v1/changes lists them with their country and changed values, filtered by type, country and category', async () => {
    const changes = async (query: string) => {
      const res = await t.call('GET', `/v1/changes?${query}`);
      expect(res.status, query).toBe(200);
      return ((await res.json()) as { data: { type: string; country?: unknown; changed?: unknown; event?: unknown }[] }).data;
    };
    const kazakhstan = await changes(
      'type=country.facts_changed,country.treaty_status_changed,country.ranking_changed,country.performance_changed',
    );
    expect(kazakhstan.map(({ type, changed }) => ({ type, changed }))).toEqual(expectedChanges);
    expect(kazakhstan[0]).toMatchObject({ country: { id: 'KAZ', name: 'Kazakhstan', region: 'Asia' } });
    expect(kazakhstan[0]).not.toHaveProperty('event');

    expect((await changes('country=GEO')).length).toBe(0);
    expect((await changes('region=Asia&type=country.ranking_changed')).map((c) => c.changed)).toEqual([expectedChanges[2]!.changed]);
    const rights = (await changes('category=rights')).filter((c) => c.type.startsWith('country.'));
    expect(rights.map((c) => c.type)).toEqual(expectedChanges.map((c) => c.type));
    const representation = (await changes('category=representation')).filter((c) => c.type.startsWith('country.'));
    expect(representation.map((c) => c.type)).toEqual(['country.facts_changed', 'country.treaty_status_changed']);

    const wrongType = await t.call('GET', '/v1/changes?type=country.weather_changed');
    expect(wrongType.status).toBe(400);
    expect(await wrongType.text()).toContain('type');
  });

  it('the Atom and JSON feeds have one entry per country change: what changed, old and new', async () => {
    const query = 'country=KAZ&type=country.ranking_changed,country.facts_changed';
    const atom = extractFromXml(await (await t.call('GET', `/feeds/changes.atom?${query}`)).text(), { descriptionMaxLen: 0 });
    expect(atom.entries!.map((e) => e.title)).toEqual([
      'Kazakhstan. Ranking changed: Rights',
      'Kazakhstan. Basic information changed: Head of government',
    ]);
    expect(atom.entries![0]!.description).toBe('Rights: 107/173 → 101/173');
    expect(atom.entries![0]!.id).toMatch(/^tag:alerts\.example\.org,2025:change:\d+$/);
    const json = extractFromJson(await (await t.call('GET', `/feeds/changes.json?${query}`)).json(), { descriptionMaxLen: 0 });
    expect(json.entries!.map((e) => e.id)).toEqual(atom.entries!.map((e) => e.id));
    expect(json.entries![1]!.description).toBe(
      'Head of government: Prime Minister Oljas Bektenov (since 2024) → Prime Minister Serik Zhumangarin (since 2025)',
    );
  });
});
