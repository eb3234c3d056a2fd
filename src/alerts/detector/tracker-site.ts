import robotsParser from 'robots-parser';
import type { Db, SourceOutcome, SourceStatesTable } from '../../db/database';
import { resumePoint } from '../../db/detection-runs';
import { loadSourceStates, markSourcesUnchanged, saveSourceStates } from '../../db/source-states';
import type { Resources } from '../../resources';
import { findCountry } from '../../taxonomy/countries';
import { findTrackerCountry } from '../../taxonomy/tracker-countries';
import { trackerMonthNames } from '../sources/tracker-page';
import { detectSource, sourceLimits } from './detect-source';
import { SourceStatusError } from './fetch-source';
import { PoliteHost } from './polite-host';

/** The name robots.txt rules address this crawler by. */
export const ROBOTS_AGENT = 'tracker-alerts';
/** A country page the site sends without validators is read again at most this often; the month's report page in between. */
const COUNTRY_PAGE_MAX_AGE_MS = 24 * 3600_000;
const ROBOTS_MAX_BYTES = 512 * 1024;

export interface TrackerPage {
  country: string;
  /** The page group progress is reported by: the country's region. */
  group: string;
  url: string;
  kind: 'country' | 'report';
}

export interface TrackerGroupProgress {
  group: string;
  pages: number;
  /** Pages a killed run had already done, not fetched again. */
  resumed: number;
  changed: number;
  notModified: number;
  failed: number;
  changes: number;
  failures: SourceOutcome[];
}

type TrackerConfig = NonNullable<Resources['config']['tracker']>;
type CrawlDeps = Pick<Resources, 'config' | 'clock' | 'metrics' | 'log' | 'readFileSource' | 'readHttpSource'>;
type StoredState = Awaited<ReturnType<typeof loadSourceStates>>[number];

export function trackerCountryPageUrl(baseUrl: string, slug: string): string {
  return `${baseUrl}/democracytracker/country/${slug}`;
}

/** The report page of the month `now` falls in (UTC): `/democracytracker/report/<slug>/<month>-<year>`. */
export function trackerReportPageUrl(baseUrl: string, slug: string, now: Date): string {
  return `${baseUrl}/democracytracker/report/${slug}/${trackerMonthNames[now.getUTCMonth()]}-${now.getUTCFullYear()}`;
}

/**
 * The page to read per country. The country page holds every report and the country context;
 * when the site gives it validators a 304 makes it the cheapest read. When it gives none, every
 * read costs the whole page, so within a day of the last full read the current month's report
 * page (new reports appear there) is read instead.
 */
export function planTrackerPages(tracker: TrackerConfig, states: Map<string, StoredState>, now: Date): TrackerPage[] {
  return tracker.countries.map((id) => {
    const country = findTrackerCountry(id)!;
    const group = findCountry(id)?.region ?? 'Other';
    const countryUrl = trackerCountryPageUrl(tracker.baseUrl, country.slug);
    const state = states.get(countryUrl);
    const recentFullRead = state?.last_success_at && now.getTime() - new Date(state.last_success_at).getTime() < COUNTRY_PAGE_MAX_AGE_MS;
    if (state && !state.etag && !state.last_modified && recentFullRead)
      return { country: id, group, url: trackerReportPageUrl(tracker.baseUrl, country.slug, now), kind: 'report' };
    return { country: id, group, url: countryUrl, kind: 'country' };
  });
}

/**
 * Crawls the tracker site politely: robots.txt first (a page it disallows is never fetched; one
 * that cannot be read stops the crawl), then the planned pages group by group, each page
 * detected in its own transaction with its failure isolated. A run resuming killed ones skips
 * the pages they finished.
 */
export async function crawlTrackerSite(
  deps: CrawlDeps,
  db: Db,
  runId: number,
  onGroup?: (progress: TrackerGroupProgress) => void,
): Promise<SourceOutcome[]> {
  const tracker = deps.config.tracker;
  if (!tracker) return [];
  const now = deps.clock.now();
  const candidates = tracker.countries.flatMap((id) => {
    const slug = findTrackerCountry(id)!.slug;
    return [trackerCountryPageUrl(tracker.baseUrl, slug), trackerReportPageUrl(tracker.baseUrl, slug, now)];
  });
  const states = new Map((await loadSourceStates(db, candidates)).map((s) => [s.url, s]));
  const pages = planTrackerPages(tracker, states, now);
  const resumeFrom = await resumePoint(db, runId);
  const host = new PoliteHost(tracker.concurrency, tracker.delayMs, { http: deps.readHttpSource });
  const robots = await readRobots(host, tracker.baseUrl, sourceLimits(deps.config));
  if (robots.crawlDelaySeconds) host.slowTo(robots.crawlDelaySeconds * 1000);

  const outcomes: SourceOutcome[] = [];
  const unchanged: SourceStatesTable[] = [];
  const asStored: string[] = [];
  const deferUnchanged = (state: SourceStatesTable) => {
    if (keepsStoredState(states.get(state.url), state)) asStored.push(state.url);
    else unchanged.push(state);
  };
  for (const group of [...new Set(pages.map((p) => p.group))].sort()) {
    const inGroup = pages.filter((p) => p.group === group);
    const done = inGroup.filter((p) => finishedSince(states.get(p.url), resumeFrom));
    const todo = inGroup.filter((p) => !done.includes(p));
    const results = await Promise.all(
      todo.map((page): Promise<SourceOutcome> => {
        const refusal = robots.refusal(page.url);
        if (refusal) return Promise.resolve({ url: page.url, status: 'failed', error: refusal, durationMs: 0 });
        return detectSource(deps, db, page.url, {
          fetcher: (url, validators, limits) => host.fetch(url, validators, limits),
          previous: states.get(page.url) ?? null,
          deferUnchanged,
        });
      }),
    );
    // The group's unchanged pages recorded together: a run killed before it fetches them again (a cheap 304 each).
    await markSourcesUnchanged(db, asStored.splice(0), deps.clock.now());
    await saveSourceStates(db, unchanged.splice(0));
    for (const outcome of results) deps.metrics.sourceFetches.inc({ status: outcome.status });
    outcomes.push(...results);
    onGroup?.({
      group,
      pages: inGroup.length,
      resumed: done.length,
      changed: results.filter((r) => r.status === 'changed').length,
      notModified: results.filter((r) => r.status === 'not_modified').length,
      failed: results.filter((r) => r.status === 'failed').length,
      changes: results.reduce((sum, r) => sum + (r.changes ?? 0), 0),
      failures: results.filter((r) => r.status === 'failed'),
    });
  }
  return outcomes;
}

/** An unchanged page whose validators and body are as stored: only its times need writing. */
function keepsStoredState(stored: StoredState | undefined, state: SourceStatesTable): boolean {
  return (
    stored !== undefined &&
    stored.etag === state.etag &&
    stored.last_modified === state.last_modified &&
    stored.body_hash === state.body_hash &&
    stored.last_event_count === state.last_event_count
  );
}

function finishedSince(state: StoredState | undefined, resumeFrom: Date | undefined): boolean {
  if (!resumeFrom || !state?.last_fetched_at || state.last_status === 'failed') return false;
  return new Date(state.last_fetched_at).getTime() >= resumeFrom.getTime();
}

interface RobotsRules {
  /** Why a page may not be fetched, or undefined when it may. */
  refusal(url: string): string | undefined;
  crawlDelaySeconds: number | undefined;
}

/**
 * The site's robots.txt (RFC 9309): rules when it answers, everything allowed when it answers
 * 4xx, nothing allowed this run when it cannot be read (5xx, timeout, unreachable).
 */
async function readRobots(host: PoliteHost, baseUrl: string, limits: ReturnType<typeof sourceLimits>): Promise<RobotsRules> {
  const robotsUrl = `${new URL(baseUrl).origin}/robots.txt`;
  try {
    const fetched = await host.fetch(robotsUrl, {}, { ...limits, maxBytes: Math.min(limits.maxBytes, ROBOTS_MAX_BYTES) });
    const rules = robotsParser(robotsUrl, fetched.status === 'ok' ? fetched.body.text() : '');
    return {
      refusal: (url) => (rules.isDisallowed(url, ROBOTS_AGENT) ? 'disallowed by robots.txt: not fetched' : undefined),
      crawlDelaySeconds: rules.getCrawlDelay(ROBOTS_AGENT),
    };
  } catch (error) {
    if (error instanceof SourceStatusError && error.status >= 400 && error.status < 500)
      return { refusal: () => undefined, crawlDelaySeconds: undefined };
    const reason = error instanceof Error ? error.message : String(error);
    return { refusal: () => `robots.txt could not be read (${reason}): not fetched`, crawlDelaySeconds: undefined };
  }
}
