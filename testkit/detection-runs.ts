/**
 * The detection bench's runs: one round on one database (first load, no change as a 200 and as a
 * 304, 1% changed, each checked against what it must see), and the CPU steps of a 200 timed alone.
 */
import { sql } from 'kysely';
import { hashEvents } from '../src/alerts/detect';
import { fetchSource } from '../src/alerts/detector/fetch-source';
import { nodeHttpSourceReader } from '../src/alerts/detector/node-http-source';
import { runDetection } from '../src/alerts/detector/run-detection';
import { normaliseEvent } from '../src/alerts/event';
import { parseSourceDocument } from '../src/alerts/sources/index';
import type { SourceOutcome } from '../src/db/database';
import { createBenchDeps } from './bench-deps';
import type { DbTarget } from './db-targets';
import { inTempDir } from './process';
import { type RowsWritten, rowsCell, rowsWrittenSince, snapshotRows } from './rows-written';
import type { FeedRequest, startFeedServer } from './source-server';
import { eventsLabel, sqlTotals, statementTimer } from './statement-timer';
import { stepSamples, timed } from './timing';

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (share: number) => `${(100 * share).toFixed(1)}%`;
const log = (line: string) => console.log(line);

export const KINDS = ['first', 'same200', 'same304', 'changed'] as const;
export type Kind = (typeof KINDS)[number];
export const LABELS: Record<Kind, string> = {
  first: 'first load',
  same200: 'no change (200, identical body)',
  same304: 'no change (304)',
  changed: '1% changed (100 bodies edited)',
};
/** What each run must see: the HTTP status, the source's outcome and its new / updated events (the 1% run: every edited one). */
const EXPECTED: Record<Kind, [number, SourceOutcome['status'], number | 'all', number | 'edited']> = {
  first: [200, 'changed', 'all', 0],
  // The body's sha256 equals source_states.body_hash: handled like a 304, nothing parsed.
  same200: [200, 'not_modified', 0, 0],
  same304: [304, 'not_modified', 0, 0],
  changed: [200, 'changed', 0, 'edited'],
};

export type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;
export type Feeds = { base: Buffer; changed: Buffer; edited: number; total: number };
export type RunRecord = ReturnType<typeof sqlTotals> & {
  ms: number;
  rows: RowsWritten;
  outcome?: SourceOutcome;
  http: FeedRequest[];
  problem?: string;
};
export type TargetResult = { target: string; runs: Record<Kind, RunRecord[]> };

function problemOf(kind: Kind, r: RunRecord, feeds: Feeds): string | undefined {
  const [http, status, all, updated] = EXPECTED[kind];
  const published = all === 'all' ? feeds.total : all;
  const o = r.outcome;
  if (!o) return 'runDetection did not run (already running?)';
  if (o.status === 'failed') return `source FAILED: ${o.error}`;
  const problems: string[] = [];
  if (o.status !== status) problems.push(`source status ${o.status}, expected ${status}`);
  if (r.http.length !== 1 || r.http[0]!.status !== http)
    problems.push(`HTTP ${r.http.map((h) => h.status).join(',') || 'none'}, expected one ${http}`);
  if (kind !== 'first' && !r.http.every((h) => h.conditional)) problems.push('request was not conditional (no If-None-Match)');
  const wanted = updated === 'edited' ? feeds.edited : updated;
  if (o.status === 'changed' && (o.published !== published || o.updated !== wanted))
    problems.push(`published ${o.published}/updated ${o.updated}, expected ${published}/${wanted}`);
  return problems.join('; ') || undefined;
}

/** One round on one database: a fresh schema / instance, the four runs back to back. */
export async function measureDetectionRound(target: DbTarget, round: number, result: TargetResult, server: FeedServer, feeds: Feeds) {
  const fresh = await target.fresh(round);
  await inTempDir('tracker-bench-detection-', async (dataDir) => {
    try {
      const timer = statementTimer(eventsLabel);
      const deps = createBenchDeps(
        { ...fresh.handle, db: fresh.handle.db.withPlugin(timer.plugin) },
        { DATA_DIR: dataDir, PUBLIC_BASE_URL: 'https://alerts.example.org', SOURCE_URLS: server.url },
      );
      await sql`select 1`.execute(fresh.handle.db); // connection warm
      for (const kind of KINDS) {
        server.serve(kind === 'changed' ? feeds.changed : feeds.base, { honourConditional: kind !== 'same200' });
        const before = await snapshotRows(fresh.handle.db);
        timer.totals.clear();
        const requestsBefore = server.requests.length;
        const run = await timed(() =>
          runDetection(deps, 'cli').then(
            (r) => (r.ran ? r.run.sources[0] : undefined),
            (error: Error) => `runDetection threw: ${error.message}`,
          ),
        );
        const statements = sqlTotals(timer.totals);
        // The job kicks the webhook pump, whose fan-out of the changes runs on in the background on the same
        // database; the next timed run must not share it (on PGlite's one connection it would queue behind it).
        const pump = await timed(() => deps.webhookPump.idle());
        const outcome = typeof run.value === 'string' ? undefined : run.value;
        const record: RunRecord = {
          ...statements,
          ms: run.ms,
          rows: await rowsWrittenSince(fresh.handle.db, before),
          ...(outcome && { outcome }),
          http: server.requests.slice(requestsBefore),
        };
        record.problem = typeof run.value === 'string' ? run.value : problemOf(kind, record, feeds);
        result.runs[kind].push(record);
        log(
          `  ${target.name} round ${round} ${LABELS[kind]}: ${fmtInt(run.ms)} ms, HTTP ${record.http.map((h) => h.status).join(',')}, ` +
            `rows ${rowsCell(record.rows)}, SQL ${fmtInt(record.sqlMs)} ms in ${record.statements} statements` +
            `${kind === 'first' ? '' : `, ${pct(run.ms / result.runs.first[round - 1]!.ms)} of this round's first load`}` +
            `; webhook pump idle ${fmtInt(pump.ms)} ms after it${record.problem ? `  PROBLEM: ${record.problem}` : ''}`,
        );
      }
    } finally {
      await fresh.dispose();
    }
  });
}

export const SCALE = '(for scale) ';
export const STEP_FETCH =
  "fetchSource (src: Node's reader, HTTP GET of the whole body, size cap, sha256 of the chunks as they come, compared with `source_states.body_hash`)";
export const STEP_DECODE = 'UTF-8 decode of the body (`SourceBody.text()`: strict, only for a body not seen before)';
/** The steps a no-change 200 run takes; a 200 with a new body takes all of them. */
export const NO_CHANGE_STEPS = new Set([STEP_FETCH]);

/**
 * The CPU side of a run that gets a 200, step by step, without a database: the same calls the
 * job makes (src's fetchSource through Node's reader, which hashes the body as it comes; then for
 * a body it has not seen: the decode, parseSourceDocument, normaliseEvent, hashEvents), each timed alone, twice.
 */
export async function profileDetectionCpu(server: FeedServer, feeds: Feeds, into: Map<string, number[]>): Promise<void> {
  server.serve(feeds.base, { honourConditional: false });
  const { step } = stepSamples(2, into);
  const limits = { timeoutMs: 15_000, maxBytes: 20 * 1024 * 1024, userAgent: 'tracker-alerts-bench' };
  const fetched = await step(STEP_FETCH, () => fetchSource(server.url, {}, limits, { http: reader }));
  if (fetched.status !== 'ok') throw new Error('profile: the feed server did not answer 200');
  const text = await step(STEP_DECODE, () => fetched.body.text());
  const document = await step('parseSourceDocument (JSON.parse + zod safeParse per event + duplicate-id check)', () =>
    parseSourceDocument(text, fetched.contentType, server.url),
  );
  const normalised = await step("normaliseEvent (on the adapter's validated events, no second zod parse)", () =>
    document.events.map(normaliseEvent),
  );
  await step('hashEvents (content hash of every event)', () => hashEvents(normalised));
  await step(`${SCALE}JSON.parse of the body alone (inside parseSourceDocument)`, () => JSON.parse(text));
}

const reader = nodeHttpSourceReader();
