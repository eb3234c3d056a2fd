import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetection } from '../src/alerts/detector/run-detection';
import type { ChangePage } from '../src/routes/admin/changes/schema';
import type { DetectionRun, DetectionRunPage } from '../src/routes/admin/detections/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { sampleEvent } from '../testkit/events';
import { startSourceServer } from '../testkit/source-server';

let sources: Awaited<ReturnType<typeof startSourceServer>>;
let t: TestApp;
let cursor = 0;

const feedA = sampleEvent({ id: 'feed-a', country: 'NOR', body: 'First body.' });
const feedB = sampleEvent({ id: 'feed-b', country: 'SWE', watchFlag: false });
const feedC = sampleEvent({ id: 'feed-c', country: 'FIN' });

/** Changes appended since the last call, as [type, eventId, previous]. */
async function newChanges() {
  const all: ChangePage['data'] = [];
  for (;;) {
    const page = (await (
      await t.call('GET', `/v1/admin/changes?after=${cursor}&limit=1000`, undefined, { admin: true })
    ).json()) as ChangePage;
    cursor = page.nextAfter;
    all.push(...page.data);
    if (!page.hasMore)
      return all.map((c) => ('eventId' in c ? ([c.type, c.eventId, c.previous] as const) : ([c.type, c.countryId, c.changed] as const)));
  }
}

async function detectViaApi(): Promise<DetectionRun> {
  const res = await t.call('POST', '/v1/admin/detect', undefined, { admin: true });
  expect(res.status).toBe(200);
  return (await res.json()) as DetectionRun;
}

beforeAll(async () => {
  sources = await startSourceServer();
  t = await createTestApp({
    SOURCE_URLS: ['/kazakhstan', '/feed.json', '/garbage', '/garbage.json', '/error', '/hang', '/huge'].map(sources.url).join(','),
    SOURCE_TIMEOUT_MS: '400',
    SOURCE_MAX_BYTES: String(2 * 1024 * 1024),
  });
});
afterAll(async () => {
  await t.close();
  await sources.close();
});

describe('the detection job over real HTTP sources', () => {
  it('first run: publishes the page and the feed; each broken source fails alone with a reason', async () => {
    sources.setFeed([feedA, feedB]);
    const run = await detectViaApi();
    expect(run.status).toBe('partial');
    const byPath = Object.fromEntries(run.sources.map((s) => [new URL(s.url).pathname, s]));
    expect(byPath['/kazakhstan']).toMatchObject({ status: 'changed', format: 'tracker-page', events: 5, published: 5 });
    expect(byPath['/feed.json']).toMatchObject({ status: 'changed', format: 'json-feed', events: 2, published: 2 });
    expect(byPath['/garbage']).toMatchObject({ status: 'failed', error: expect.stringMatching(/tracker|country/i) });
    expect(byPath['/garbage.json']).toMatchObject({ status: 'failed', error: expect.stringMatching(/JSON/i) });
    expect(byPath['/error']).toMatchObject({ status: 'failed', error: 'answered HTTP 500' });
    expect(byPath['/hang']).toMatchObject({ status: 'failed', error: 'timed out after 400 ms' });
    expect(byPath['/huge']).toMatchObject({ status: 'failed', error: expect.stringContaining('byte limit') });

    const changes = await newChanges();
    expect(changes).toHaveLength(7);
    expect(changes.every(([type]) => type === 'event.published')).toBe(true);
    const kaz = (await (await t.call('GET', '/v1/events?country=KAZ')).json()) as { data: { month: string; watchFlag: boolean }[] };
    expect(kaz.data.map((e) => e.month)).toEqual(['2025-01', '2025-01', '2024-06', '2024-04', '2024-01']);
  });

  it('second run: an unchanged page costs one 304; the feed edits give exactly their change rows', async () => {
    sources.setFeed([{ ...feedA, body: 'Second body.' }, { ...feedB, watchFlag: true }, feedC]);
    const before = sources.requests.length;
    const run = await detectViaApi();
    const kazRequests = sources.requests.slice(before).filter((r) => r.path === '/kazakhstan');
    expect(kazRequests).toEqual([{ path: '/kazakhstan', conditional: true, status: 304 }]);
    expect(run.sources.find((s) => s.url.endsWith('/kazakhstan'))).toMatchObject({ status: 'not_modified' });
    expect(await newChanges()).toEqual([
      ['event.updated', 'feed-a', { body: 'First body.' }],
      ['event.watch_flag_raised', 'feed-b', { watchFlag: false }],
      ['event.published', 'feed-c', null],
    ]);
  });

  it('third run: a lifted flag is recorded; an event gone from the feed is not deleted', async () => {
    sources.setFeed([{ ...feedB, watchFlag: false }, feedC]);
    await detectViaApi();
    expect(await newChanges()).toEqual([['event.watch_flag_lifted', 'feed-b', { watchFlag: true }]]);
    expect((await t.call('GET', '/v1/events/feed-a')).status).toBe(200);
  });

  it('running again with nothing changed writes nothing; a 200 with the same bytes is handled like a 304', async () => {
    const run = await detectViaApi();
    expect(await newChanges()).toEqual([]);
    // The feed server answers 200 again only if asked without If-None-Match; the page, with it, 304s.
    const feed = run.sources.find((s) => s.url.endsWith('/feed.json'));
    expect(feed).toMatchObject({ status: 'not_modified' });
    await t.deps.db.updateTable('source_states').set({ etag: null }).execute();
    const again = await detectViaApi();
    expect(again.sources.find((s) => s.url.endsWith('/feed.json'))).toMatchObject({ status: 'not_modified' });
    expect(sources.requests.at(-1)).toMatchObject({ status: 200 });
  });

  it('records every run at GET /v1/admin/detections, newest first, paginated', async () => {
    const page = (await (await t.call('GET', '/v1/admin/detections?limit=2', undefined, { admin: true })).json()) as DetectionRunPage;
    expect(page.data).toHaveLength(2);
    expect(page.data[0]!.id).toBeGreaterThan(page.data[1]!.id);
    expect(page.data[0]).toMatchObject({ trigger: 'api', status: 'partial', finishedAt: expect.any(String) });
    expect(page.data[0]!.sources).toHaveLength(7);
    const rest = (await (
      await t.call('GET', `/v1/admin/detections?before=${page.nextBefore}`, undefined, { admin: true })
    ).json()) as DetectionRunPage;
    const older = page.data[1]!.id - 1;
    expect(rest.data.map((r) => r.id)).toEqual(Array.from({ length: older }, (_, i) => older - i));
    expect(rest.nextBefore).toBeNull();
  });

  it('a run left "running" by a killed process is marked abandoned by the next run', async () => {
    await t.deps.db
      .insertInto('detection_runs')
      .values({ trigger: 'cron', status: 'running', started_at: new Date(), sources: '[]' })
      .execute();
    await detectViaApi();
    const runs = await t.deps.db.selectFrom('detection_runs').select(['status']).where('status', '=', 'running').execute();
    expect(runs).toEqual([]);
    expect(await t.deps.db.selectFrom('detection_runs').select('id').where('status', '=', 'abandoned').execute()).toHaveLength(1);
  });

  it('takes a source larger than one SQL statement can carry (6,000 events) in one run', async () => {
    const many = Array.from({ length: 6000 }, (_, i) => sampleEvent({ id: `bulk-${i}`, country: 'BRA' }));
    sources.setFeed(many);
    const run = await detectViaApi();
    expect(run.sources.find((s) => s.url.endsWith('/feed.json'))).toMatchObject({ status: 'changed', events: 6000, published: 6000 });
    expect((await newChanges()).length).toBe(6000);
  });

  it('a second run started while one is in progress in this process does nothing', async () => {
    sources.setFeed([feedC, sampleEvent({ id: 'feed-d', country: 'DNK' })]);
    const [first, second] = await Promise.all([runDetection(t.deps, 'cron'), runDetection(t.deps, 'api')]);
    expect([first.ran, second.ran].sort()).toEqual([false, true]);
    expect(await newChanges()).toEqual([['event.published', 'feed-d', null]]);
    const busy = t.deps.processLocks.add('tracker-alerts:detect');
    const res = await t.call('POST', '/v1/admin/detect', undefined, { admin: true });
    busy.delete('tracker-alerts:detect');
    expect(res.status).toBe(409);
  });

  it('an event holding U+0000 (which PostgreSQL cannot store) is skipped alone; the rest of its source is taken', async () => {
    sources.setFeed([
      sampleEvent({ id: 'nul-in-title', country: 'ISL', title: 'Broken\u0000title' }),
      sampleEvent({ id: 'beside-nul', country: 'ISL' }),
    ]);
    const run = await detectViaApi();
    expect(run.sources.find((s) => s.url.endsWith('/feed.json'))).toMatchObject({ status: 'changed', events: 1, published: 1, skipped: 1 });
    expect(await newChanges()).toEqual([['event.published', 'beside-nul', null]]);
  });

  it('an event holding a lone surrogate (which PostgreSQL json refuses) is skipped alone; the rest of its source is taken', async () => {
    sources.setFeed([
      sampleEvent({ id: 'surrogate-in-update', country: 'ISL', updates: [{ text: 'Later \ud83d' }] }),
      sampleEvent({ id: 'surrogate-in-source', country: 'ISL', sources: [{ name: '\udc00Wire' }] }),
      sampleEvent({ id: 'beside-surrogate', country: 'ISL' }),
    ]);
    const run = await detectViaApi();
    expect(run.sources.find((s) => s.url.endsWith('/feed.json'))).toMatchObject({ status: 'changed', events: 1, published: 1, skipped: 2 });
    expect(await newChanges()).toEqual([['event.published', 'beside-surrogate', null]]);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('detection runs on several instances (PostgreSQL)', () => {
  it('two runs started at once, from two instances, produce each change once', async () => {
    const other = t.database.openAnother();
    const second = await createTestApp(
      {
        SOURCE_URLS: [sources.url('/feed.json')].join(','),
        SOURCE_TIMEOUT_MS: '2000',
      },
      { ...t.database, ...other },
    );
    const first = await createTestApp({ SOURCE_URLS: sources.url('/feed.json') }, t.database);
    try {
      for (let round = 0; round < 5; round++) {
        const fresh = sampleEvent({ id: `race-${round}`, country: 'EST' });
        sources.setFeed([fresh, { ...feedC, body: `Edited in round ${round}.` }]);
        const outcomes = await Promise.all([runDetection(first.deps, 'cron'), runDetection(second.deps, 'cron')]);
        expect(outcomes.some((o) => o.ran)).toBe(true);
        const changes = await newChanges();
        expect(changes.filter(([, id]) => id === fresh.id).map(([type]) => type)).toEqual(['event.published']);
        expect(changes.filter(([, id]) => id === 'feed-c').map(([type]) => type)).toEqual(['event.updated']);
      }
    } finally {
      await other.close();
    }
  });
});
