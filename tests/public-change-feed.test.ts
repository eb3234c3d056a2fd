import { extractFromJson, extractFromXml } from '@extractus/feed-extractor';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { createFeedCache, HEAD_FRESH_MS } from '../src/http/feed-cache';
import { subscriberLinks } from '../src/subscribers/links';
import { createTestApp, type TestApp } from '../testkit/app';
import { ingestInputs, sampleEvent } from '../testkit/events';
import { type StatementShape, statementShape } from '../testkit/statement-timer';

let t: TestApp;
const kaz = sampleEvent({ country: 'KAZ', categories: ['rights'], factors: ['rights.civil_liberties'], url: 'https://example.org/kaz' });
const geo = sampleEvent({ country: 'GEO', categories: ['representation'], factors: [] });
const nor = sampleEvent({ country: 'NOR', categories: [], factors: [] });
const ingest = (events: unknown[]) => t.call('POST', '/v1/admin/events', { events }, { admin: true });

interface Page {
  data: { id: number; type: string; previous: unknown; event: { id: string; watchFlag: boolean } }[];
  nextAfter: number;
  hasMore: boolean;
}
const page = async (query: string) => {
  const res = await t.call('GET', `/v1/changes${query}`);
  expect(res.status, query).toBe(200);
  return (await res.json()) as Page;
};
/** Every change the filter gives, paging by cursor with small pages. */
async function all(filter: string) {
  const seen: Page['data'] = [];
  let after = 0;
  for (;;) {
    const p = await page(`?after=${after}&limit=2${filter}`);
    seen.push(...p.data);
    after = p.nextAfter;
    if (!p.hasMore) return { seen, after };
  }
}

beforeAll(async () => {
  t = await createTestApp();
  await ingest([kaz, geo, nor]); // 3 published
  await ingest([{ ...kaz, watchFlag: true, updates: [{ text: 'He was released on bail.' }] }]); // updated + flag raised
  await ingest([{ ...geo, title: 'A changed title' }]); // updated
});
afterAll(() => t.close());

describe('the public change feed', () => {
  it('GET /v1/changes needs no token and pages the whole log by cursor, in log order', async () => {
    const { seen, after } = await all('');
    expect(seen.map((c) => [c.type, c.event.id])).toEqual([
      ['event.published', kaz.id],
      ['event.published', geo.id],
      ['event.published', nor.id],
      ['event.updated', kaz.id],
      ['event.watch_flag_raised', kaz.id],
      ['event.updated', geo.id],
    ]);
    expect(seen.map((c) => c.id)).toEqual([...seen.map((c) => c.id)].sort((a, b) => a - b));
    expect(after).toBe(seen.at(-1)!.id);
    expect(seen[4]!.previous).toEqual({ watchFlag: false });
    expect(seen[0]!.event.watchFlag).toBe(true); // the event as it is now
    // Polling from the end gives nothing new and keeps the cursor.
    expect(await page(`?after=${after}`)).toEqual({ data: [], nextAfter: after, hasMore: false });
  });

  it("filters by country, region, category (events without categories match any) and type, as a subscriber's choices do", async () => {
    const ids = async (filter: string) => (await all(filter)).seen.map((c) => `${c.type} ${c.event.id}`);
    expect(await ids('&country=kaz')).toEqual([
      `event.published ${kaz.id}`,
      `event.updated ${kaz.id}`,
      `event.watch_flag_raised ${kaz.id}`,
    ]);
    expect(await ids('&region=Europe&type=event.published')).toEqual([`event.published ${nor.id}`]);
    expect(await ids('&category=representation&type=event.published')).toEqual([`event.published ${geo.id}`, `event.published ${nor.id}`]);
    expect(await ids('&category=rights.civil_liberties&type=event.published')).toEqual([
      `event.published ${kaz.id}`,
      `event.published ${nor.id}`,
    ]);
    expect(await ids('&type=event.watch_flag_raised,event.watch_flag_lifted')).toEqual([`event.watch_flag_raised ${kaz.id}`]);
    // A filtered poll's cursor moves past what it does not match, to the newest change looked at.
    const { after } = await all('&country=NOR');
    expect(after).toBe((await all('')).after);
  });

  it('refuses bad filters and cursors with a 400 problem naming the parameter', async () => {
    for (const [query, name] of [
      ['?country=XXX', 'country'],
      ['?region=Atlantis', 'region'],
      ['?category=cooking', 'category'],
      ['?type=event.deleted', 'type'],
      ['?after=-1', 'after'],
      ['?limit=0', 'limit'],
      ['?after=abc', 'after'],
    ] as const) {
      const res = await t.call('GET', `/v1/changes${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(await res.json()), query).toContain(name);
    }
    const feed = await t.call('GET', '/feeds/changes.atom?country=XXX');
    expect(feed.status).toBe(400);
  });

  it('carries an ETag and Cache-Control; a 304 and a repeated answer cost no query until the log moves', async () => {
    const statements: StatementShape[] = [];
    const recorder: KyselyPlugin = {
      transformQuery: (args) => {
        statements.push(statementShape(args.node));
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const db = t.deps.db.withPlugin(recorder);
    const cache = createFeedCache(db);
    const app = createApp({ ...t.deps, db, feedCache: cache });
    const shapes = () => statements.map((s) => [s.kind, s.table, s.joined]);
    for (const path of ['/v1/changes?country=KAZ', '/feeds/changes.atom?country=KAZ', '/feeds/changes.json']) {
      cache.changed();
      statements.length = 0;
      const first = await app.request(path);
      expect(first.status).toBe(200);
      expect(shapes()).toEqual([
        ['SelectQueryNode', 'changes', false], // the head: one probe of the primary key
        ['SelectQueryNode', 'changes', true], // the page
      ]);
      expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"\d+-[\w-]+"$/);
      const body = await first.text();
      statements.length = 0;
      const again = await app.request(path, { headers: { 'if-none-match': etag } });
      expect(again.status, path).toBe(304);
      expect(await again.text()).toBe('');
      expect(again.headers.get('etag')).toBe(etag);
      const repeated = await app.request(path);
      expect(repeated.status).toBe(200);
      expect(await repeated.text()).toBe(body);
      expect(repeated.headers.get('etag')).toBe(etag);
      expect(shapes(), path).toEqual([]); // head and answer from memory
      cache.changed(); // an append heard of: the head is probed again, the page is not read
      const probed = await app.request(path, { headers: { 'if-none-match': etag } });
      expect(probed.status).toBe(304);
      expect(shapes()).toEqual([['SelectQueryNode', 'changes', false]]);
    }
    // Another filter has another ETag.
    const kazTag = (await t.call('GET', '/v1/changes?country=KAZ')).headers.get('etag');
    expect((await t.call('GET', '/v1/changes?country=GEO')).headers.get('etag')).not.toBe(kazTag);
    // An append through the API kicks the pump, which tells the cache: the next request sees it at once.
    await ingest([sampleEvent({ country: 'MNG' })]); // any append moves the head
    const after = await t.call('GET', '/v1/changes?country=KAZ', undefined, { headers: { 'if-none-match': kazTag! } });
    expect(after.status).toBe(200);
    const newTag = after.headers.get('etag')!;
    expect(newTag).not.toBe(kazTag);
    // An append nobody heard of (no kick) shows within HEAD_FRESH_MS.
    await ingestInputs(t.deps, [sampleEvent({ country: 'MNG' })]);
    await new Promise((resolve) => setTimeout(resolve, HEAD_FRESH_MS + 50));
    const late = await t.call('GET', '/v1/changes?country=KAZ', undefined, { headers: { 'if-none-match': newTag } });
    expect(late.status).toBe(200);
  });

  it('serves Atom 1.0 and JSON Feed 1.1 per filter that a maintained feed parser reads: stable ids, times, report links, flag and update in the summary', async () => {
    const atomRes = await t.call('GET', '/feeds/changes.atom?country=KAZ&type=event.watch_flag_raised,event.published');
    expect(atomRes.status).toBe(200);
    expect(atomRes.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const atomXml = await atomRes.text();
    expect(atomXml).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">');
    const atom = extractFromXml(atomXml, { descriptionMaxLen: 0, useISODateFormat: true });
    expect(atom.title).toContain('Kazakhstan');
    expect(atom.entries!.map((e) => e.title)).toEqual([
      expect.stringContaining(`Watch flag raised: ${kaz.title}`),
      expect.stringContaining(`New report: ${kaz.title}`),
    ]);
    const raised = atom.entries![0]!;
    expect(raised.id).toMatch(/^tag:alerts\.example\.org,2025:change:\d+$/);
    expect(raised.link).toBe('https://example.org/kaz');
    expect(raised.description).toContain('Watch flag: on (just raised).');
    expect(raised.description).toContain('Update: He was released on bail.');
    expect(Number.isNaN(Date.parse(raised.published!))).toBe(false);

    const jsonRes = await t.call('GET', '/feeds/changes.json?country=KAZ&type=event.watch_flag_raised,event.published');
    expect(jsonRes.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    const body = await jsonRes.json();
    expect(body.version).toBe('https://jsonfeed.org/version/1.1');
    const json = extractFromJson(body, { descriptionMaxLen: 0 });
    // The same entries, with the same ids, in both formats; and the ids do not move when the feed is fetched again.
    expect(json.entries!.map((e) => e.id)).toEqual(atom.entries!.map((e) => e.id));
    const again = extractFromXml(
      await (await t.call('GET', '/feeds/changes.atom?country=KAZ&type=event.watch_flag_raised,event.published')).text(),
    );
    expect(again.entries!.map((e) => e.id)).toEqual(atom.entries!.map((e) => e.id));
    expect(json.entries![0]!.description).toContain('Update: He was released on bail.');
    // A report without its own link points at the event in the API.
    const geoFeed = extractFromJson(await (await t.call('GET', '/feeds/changes.json?country=GEO')).json());
    expect(geoFeed.entries![0]!.link).toBe(`https://alerts.example.org/v1/events/${geo.id}`);
  });

  it("the sign-up page links the feeds of every change, and the preference centre those of the reader's selection", async () => {
    const hrefs = (html: string) =>
      [...html.matchAll(/href="(\/feeds\/changes\.(?:atom|json)[^"]*)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(hrefs(await (await t.call('GET', '/')).text())).toEqual(['/feeds/changes.atom', '/feeds/changes.json']);

    const now = t.clock.now();
    const subscriber = await t.deps.db
      .insertInto('subscribers')
      .values({
        email: 'feed-reader@example.org',
        status: 'confirmed',
        countries: ['KAZ'],
        regions: ['Europe'],
        categories: ['rights'],
        frequency: 'monthly',
        timezone: 'UTC',
        skip_empty: false,
        notice_sent_at: null,
        openpgp_key: null,
        openpgp_fingerprint: null,
        openpgp_confirmed_at: null,
        openpgp_pending_key: null,
        created_at: now,
        updated_at: now,
        confirmed_at: now,
        consent_at: now,
        consent_source: 'api',
      })
      .returning(['public_id', 'token_version'])
      .executeTakeFirstOrThrow();
    const page = await t.call(
      'GET',
      new URL(subscriberLinks(t.deps, subscriber).manage()).pathname + new URL(subscriberLinks(t.deps, subscriber).manage()).search,
    );
    expect(page.status).toBe(200);
    const [atomHref, jsonHref] = hrefs(await page.text());
    expect(atomHref).toBe('/feeds/changes.atom?country=KAZ&region=Europe&category=rights');
    expect(jsonHref).toBe('/feeds/changes.json?country=KAZ&region=Europe&category=rights');
    const feed = extractFromXml(await (await t.call('GET', atomHref!)).text());
    expect(feed.title).toContain('Kazakhstan');
    expect(feed.entries!.length).toBeGreaterThan(0);
  });
});
