import type { Db, SourceOutcome, SourceStatesTable } from '../../db/database';
import type { NormalisedEvent } from '../../db/event-fields';
import { loadSourceState, saveSourceState } from '../../db/source-states';
import type { Resources } from '../../resources';
import { normaliseEvent } from '../event';
import { ingestEvents } from '../ingest';
import { recordCountryContext } from '../ingest-country-context';
import { parseSourceDocument } from '../sources/index';
import { type FetchedSource, type FetchLimits, fetchSource, type Validators } from './fetch-source';

type SourceDeps = Pick<Resources, 'config' | 'clock' | 'metrics' | 'log' | 'readFileSource' | 'readHttpSource'>;

/** How a source is fetched; the tracker crawl passes its host's polite fetch. */
export type SourceFetcher = (url: string, previous: Validators, limits: FetchLimits) => Promise<FetchedSource>;

type StoredSourceState = Awaited<ReturnType<typeof loadSourceState>>;

export interface DetectSourceOptions {
  fetcher?: SourceFetcher;
  /** The source's stored state when the caller read it already (a crawl reads all its pages' at once); null: none stored. */
  previous?: StoredSourceState | null;
  /**
   * Takes the state of a source found unchanged (304, or the same bytes) instead of writing it
   * here: a crawl writes its unchanged pages' states together (saveSourceStates).
   */
  deferUnchanged?: (state: SourceStatesTable) => void;
}

/**
 * One source, start to end: conditional fetch, parse, then detection and the source's new
 * validators in one transaction. Never throws: a failure is an outcome.
 * Events missing from a source are left alone: a shorter feed never deletes anything.
 */
export async function detectSource(deps: SourceDeps, db: Db, url: string, options: DetectSourceOptions = {}): Promise<SourceOutcome> {
  const { fetcher } = options;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const previous = options.previous === undefined ? await loadSourceState(db, url) : (options.previous ?? undefined);
  try {
    const validators = { etag: previous?.etag, lastModified: previous?.last_modified };
    const limits = sourceLimits(deps.config);
    const fetched = fetcher
      ? await fetcher(url, validators, limits)
      : await fetchSource(url, validators, limits, { file: deps.readFileSource, http: deps.readHttpSource });
    const now = deps.clock.now();
    const bodyHash = fetched.status === 'ok' ? fetched.body.sha256 : (previous?.body_hash ?? null);
    // A 304, or a 200 with the very bytes already detected, costs no parsing and writes no event.
    if (fetched.status === 'not_modified' || (previous?.body_hash && previous.body_hash === bodyHash)) {
      const state: SourceStatesTable = {
        url,
        etag: fetched.status === 'ok' ? (fetched.validators.etag ?? null) : (previous?.etag ?? null),
        last_modified: fetched.status === 'ok' ? (fetched.validators.lastModified ?? null) : (previous?.last_modified ?? null),
        last_status: 'not_modified',
        last_event_count: previous?.last_event_count ?? null,
        last_fetched_at: now,
        last_success_at: now,
        body_hash: bodyHash,
      };
      if (options.deferUnchanged) options.deferUnchanged(state);
      else await saveSourceState(db, state);
      return { url, status: 'not_modified', durationMs: elapsed() };
    }

    const document = parseSourceDocument(fetched.body.text(), fetched.contentType, url);
    // The adapters validated every event already: normalise, no second parse.
    const events = latestPerId(document.events.map(normaliseEvent));
    let countryChanges = 0;
    const result = await ingestEvents({ db, clock: deps.clock, metrics: deps.metrics }, events, async (trx) => {
      if (document.countryContext) {
        const { country, context } = document.countryContext;
        countryChanges = await recordCountryContext(trx, country, context, url, now);
      }
      await saveSourceState(trx, {
        url,
        etag: fetched.validators.etag ?? null,
        last_modified: fetched.validators.lastModified ?? null,
        last_status: 'changed',
        last_event_count: events.length,
        last_fetched_at: now,
        last_success_at: now,
        body_hash: bodyHash,
      });
    });
    if (document.skipped.length > 0) {
      deps.log.warn({ source: url, skipped: document.skipped.slice(0, 20) }, 'source: some events were invalid and skipped');
    }
    return {
      url,
      status: 'changed',
      format: document.format,
      events: events.length,
      published: result.published,
      updated: result.updated,
      unchanged: result.unchanged,
      changes: result.changes + countryChanges,
      skipped: document.skipped.length,
      ...(document.skipped[0] ? { firstSkipped: `event ${document.skipped[0].index}: ${document.skipped[0].reason}` } : {}),
      durationMs: elapsed(),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log.warn({ source: url, err: error }, 'source failed');
    await saveSourceState(db, {
      url,
      etag: previous?.etag ?? null,
      last_modified: previous?.last_modified ?? null,
      last_status: 'failed',
      last_event_count: previous?.last_event_count ?? null,
      last_fetched_at: deps.clock.now(),
      last_success_at: previous?.last_success_at ?? null,
      body_hash: previous?.body_hash ?? null,
    }).catch(() => undefined);
    return { url, status: 'failed', error: message.slice(0, 500), durationMs: elapsed() };
  }
}

export function sourceLimits(config: Resources['config']): FetchLimits {
  return {
    timeoutMs: config.sourceTimeoutMs,
    maxBytes: config.sourceMaxBytes,
    userAgent: `tracker-alerts/0.1 (+${config.publicBaseUrl})`,
  };
}

/** A source listing one id twice: the later entry wins. */
function latestPerId(events: NormalisedEvent[]): NormalisedEvent[] {
  return [...new Map(events.map((e) => [e.id, e])).values()];
}
