import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupSummary, runDetection } from '../src/alerts/detector/run-detection';
import type { TrackerGroupProgress } from '../src/alerts/detector/tracker-site';
import { trackerCountries } from '../src/taxonomy/tracker-countries';
import { createTestApp, type TestApp } from '../testkit/app';
import { startTrackerSite } from '../testkit/tracker-site';

let site: Awaited<ReturnType<typeof startTrackerSite>>;
let t: TestApp;
let cursor = 0;

/** Change rows appended since the last call, as [type, eventId, previous]. */
async function newChanges() {
  const rows = await t.deps.db
    .selectFrom('changes')
    .select(['id', 'type', 'event_id', 'country_id', 'previous'])
    .where('id', '>', cursor)
    .orderBy('id')
    .execute();
  if (rows.length > 0) cursor = Number(rows.at(-1)!.id);
  return rows.map((r) => [r.type, r.event_id ?? r.country_id, r.previous] as const);
}

async function detect() {
  const groups: TrackerGroupProgress[] = [];
  const outcome = await runDetection(t.deps, 'cli', { onTrackerGroup: (g) => groups.push(g) });
  if (!outcome.ran) throw new Error('detection did not run');
  return { run: outcome.run, groups };
}

const pageCount = trackerCountries.length;
const reportTitles = [
  '2025-01-satirists-arrest-signals-crackdown-on-speech',
  '2025-01-constitutional-courts-ruling-yields-a-small-win-for-freedom-of-association',
  '2024-06-new-media-law-worries-journalists-advocates',
  '2024-04-domestic-violence-criminalized',
  '2024-01-draft-bill-targets-foreign-correspondents',
];

beforeAll(async () => {
  site = await startTrackerSite({ robotsTxt: 'User-agent: *\nDisallow: /democracytracker/country/chad\n' });
  site.behave('france', { status: 429, headers: { 'retry-after': '1' }, times: 1 });
  site.behave('peru', { status: 500, times: 1_000 });
  site.behave('japan', { hang: true });
  t = await createTestApp({ TRACKER_BASE_URL: site.baseUrl, TRACKER_DELAY_MS: '0', SOURCE_TIMEOUT_MS: '2000' });
}, 120_000);
afterAll(async () => {
  await t.close();
  await site.close();
});

describe('crawling the whole tracker site with one setting', () => {
  it('first run: every allowed country page read once; each failure isolated and reported', async () => {
    const { run, groups } = await detect();
    expect(run.status).toBe('partial');
    expect(run.sources).toHaveLength(pageCount);
    const byPath = Object.fromEntries(run.sources.map((s) => [new URL(s.url).pathname, s]));
    expect(byPath[site.pagePath('chad')]).toMatchObject({ status: 'failed', error: 'disallowed by robots.txt: not fetched' });
    expect(byPath[site.pagePath('peru')]).toMatchObject({ status: 'failed', error: 'answered HTTP 500' });
    expect(byPath[site.pagePath('japan')]).toMatchObject({ status: 'failed', error: 'timed out after 2000 ms' });
    expect(byPath[site.pagePath('france')]).toMatchObject({ status: 'changed', published: 5 });
    expect(run.sources.filter((s) => s.status === 'changed')).toHaveLength(pageCount - 3);

    const changes = await newChanges();
    const expected = trackerCountries
      .filter((c) => !['TCD', 'PER', 'JPN'].includes(c.id))
      .flatMap((c) => reportTitles.map((title) => `${c.id.toLowerCase()}-${title}`));
    expect(changes.map(([type]) => type).every((type) => type === 'event.published')).toBe(true);
    expect(changes.map(([, id]) => id).sort()).toEqual(expected.sort());

    expect(groups.map((g) => g.group)).toEqual(['Africa', 'Americas', 'Asia', 'Europe', 'Oceania']);
    expect(groups.reduce((sum, g) => sum + g.pages, 0)).toBe(pageCount);
    expect(groupSummary(groups.find((g) => g.group === 'Africa')!)).toMatch(
      /^tracker Africa: \d+ pages: \d+ changed \(\d+ changes\), 0 not modified, 1 failed$/,
    );
  });

  it('honours robots.txt and Retry-After: the disallowed page is never requested, the 429ed one waited for', () => {
    expect(site.requests.filter((r) => r.path === site.pagePath('chad'))).toEqual([]);
    const france = site.requests.filter((r) => r.path === site.pagePath('france'));
    expect(france.map((r) => r.status)).toEqual([429, 200]);
    expect(france[1]!.at - france[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('second run: conditional GETs, 304s write nothing, the one changed page gives exactly its change row', async () => {
    site.setPage('kenya', site.page('kenya').replace('currently serving two months', 'now serving three months'));
    const before = site.requests.length;
    t.clock.advance(15 * 60_000);
    const { run } = await detect();
    const requests = site.requests.slice(before).filter((r) => r.path !== '/robots.txt');
    const fetchedBefore = (r: { path: string }) => ![site.pagePath('peru'), site.pagePath('japan')].includes(r.path);
    expect(requests.filter(fetchedBefore).every((r) => r.conditional)).toBe(true);
    expect(requests.filter((r) => r.status === 304)).toHaveLength(pageCount - 4);
    expect(run.sources.filter((s) => s.status === 'not_modified')).toHaveLength(pageCount - 4);
    const changes = await newChanges();
    expect(changes).toHaveLength(1);
    expect(changes[0]![0]).toBe('event.updated');
    expect(changes[0]![1]).toBe('ken-2025-01-satirists-arrest-signals-crackdown-on-speech');
    expect((changes[0]![2] as { body: string }).body).toContain('currently serving two months');
  });

  it('country context: first sight stored without a change; a new head of government and a moved ranking are one change each', async () => {
    const stored = await t.deps.db.selectFrom('country_contexts').select(['country_id', 'context']).execute();
    expect(stored).toHaveLength(pageCount - 3);
    expect(stored.find((r) => r.country_id === 'KEN')?.context.rankings).toEqual({
      Representation: '128/173',
      Rights: '107/173',
      'Rule of Law': '112/173',
      Participation: '142/173',
    });
    site.setPage(
      'kenya',
      site
        .page('kenya')
        .replace('Prime Minister Oljas Bektenov (since 2024)', 'Prime Minister A. New (since 2025)')
        .replace('<dt>Rights</dt><dd>107/173</dd>', '<dt>Rights</dt><dd>99/173</dd>'),
    );
    t.clock.advance(15 * 60_000);
    await detect();
    expect(await newChanges()).toEqual([
      [
        'country.facts_changed',
        'KEN',
        { 'Head of government': { old: 'Prime Minister Oljas Bektenov (since 2024)', new: 'Prime Minister A. New (since 2025)' } },
      ],
      ['country.ranking_changed', 'KEN', { Rights: { old: '107/173', new: '99/173' } }],
    ]);
  });

  it('a run killed half-way: the next run re-crawls only the pages it had not finished', async () => {
    t.clock.advance(15 * 60_000);
    const killedAt = t.clock.now();
    // The killed run: started, then finished the European pages (each page commits alone) and died.
    await t.deps.db
      .insertInto('detection_runs')
      .values({ trigger: 'cron', status: 'running', started_at: killedAt, sources: '[]' })
      .execute();
    const europe = trackerCountries
      .filter((c) => ['FRA', 'DEU', 'NOR', 'SWE'].includes(c.id))
      .map((c) => `${site.baseUrl}${site.pagePath(c.slug)}`);
    await t.deps.db.updateTable('source_states').set({ last_fetched_at: killedAt }).where('url', 'in', europe).execute();
    t.clock.advance(60_000);
    const before = site.requests.length;
    const { groups } = await detect();
    const requested = new Set(site.requests.slice(before).map((r) => r.path));
    for (const slug of ['france', 'germany', 'norway', 'sweden']) expect(requested.has(site.pagePath(slug))).toBe(false);
    expect(requested.has(site.pagePath('italy'))).toBe(true);
    expect(groups.find((g) => g.group === 'Europe')?.resumed).toBe(4);
    expect(await newChanges()).toEqual([]);
  });
});
