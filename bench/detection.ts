/**
 * Issue 4 benchmark: a 10,000-event JSON feed served on 127.0.0.1 (ETag / If-None-Match),
 * detected through the real job `runDetection(deps, 'cli')`: first load, no change (200 with
 * the same bytes), no change (304), 1% changed; rounds interleaved across the databases, the goal
 * check the median of each round's own ratio to its first load (workload: bench/text/detection.md).
 *
 *   npm run bench -- detection
 *
 * Environment: BENCH_DATABASE_URL (PostgreSQL; default the local tracker_bench database),
 * BENCH_ROUNDS (default 5, but 3 when rounds 4 and 5 would take the run past BENCH_BUDGET_S,
 * default 180 s; an explicit BENCH_ROUNDS is run in full), BENCH_TARGETS (comma list of postgres,pglite-memory,pglite-disk;
 * default postgres,pglite-memory), BENCH_WRITE (0: do not touch BENCHMARKS.md).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { hashEvents } from '../src/alerts/detect';
import { fetchSource } from '../src/alerts/detector/fetch-source';
import { runDetection } from '../src/alerts/detector/run-detection';
import { normaliseEvent } from '../src/alerts/event';
import { parseSourceDocument } from '../src/alerts/sources/index';
import type { SourceOutcome } from '../src/db/database';
import { ROWS_PER_STATEMENT } from '../src/db/events';
import { createBenchDeps } from '../testkit/bench-deps';
import { type DbTarget, dbTargets, pgliteVersion } from '../testkit/db-targets';
import { editSome, generateFeedEvents } from '../testkit/generated-events';
import { type RowsWritten, rowsCell, rowsWrittenSince, snapshotRows } from '../testkit/rows-written';
import { type FeedRequest, startFeedServer } from '../testkit/source-server';
import { type StatementShape, statementTimer } from '../testkit/statement-timer';
import { median } from '../testkit/stats';
import {
  type BenchResult,
  benchmarksFile,
  cols,
  fmtInt,
  machineInfo,
  now,
  startRun,
  type TableColumn,
  writeUnless,
  writeUp,
} from './report';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
/** Without an explicit BENCH_ROUNDS: stop after round 3 if 5 rounds would pass this (seconds). */
const BUDGET_S = process.env.BENCH_ROUNDS ? Infinity : Number(process.env.BENCH_BUDGET_S ?? 180);
const MIN_ROUNDS = Math.min(3, ROUNDS);
const GOAL_NO_CHANGE_SHARE = 0.1;
const SECTION = 'Detection (issue 4)';

type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;

const detectionLabel = ({ kind, table, upsert, selections }: StatementShape): string => {
  if (kind === 'InsertQueryNode') return `insert ${table ?? '?'}${upsert ? ' (upsert)' : ''}`;
  if (kind === 'UpdateQueryNode') return `update ${table ?? '?'}`;
  if (kind === 'SelectQueryNode' && table === 'events') return selections <= 2 ? 'select events (id, hash)' : 'select events (full rows)';
  if (kind === 'SelectQueryNode') return `select ${table ?? '(raw)'}`;
  return kind === 'RawNode' ? 'raw (advisory locks)' : kind;
};

const runKinds = ['first', 'same200', 'same304', 'changed'] as const;
type RunKind = (typeof runKinds)[number];

const runLabels: Record<RunKind, string> = {
  first: 'first load',
  same200: 'no change (200, identical body)',
  same304: 'no change (304)',
  changed: '1% changed (100 bodies edited)',
};

interface Expected {
  http: number;
  status: SourceOutcome['status'];
  published: number;
  updated: number;
}

interface RunRecord {
  ms: number;
  sqlMs: number;
  statements: number;
  byStatement: Record<string, number>;
  rows: RowsWritten;
  outcome: SourceOutcome | undefined;
  http: FeedRequest[];
  problem?: string;
}

interface TargetResult {
  target: string;
  version: string;
  runs: Record<RunKind, RunRecord[]>;
}

interface Feeds {
  base: Buffer;
  changed: Buffer;
  changedCount: number;
}

function expectation(kind: RunKind, feeds: Feeds): Expected {
  switch (kind) {
    case 'first':
      return { http: 200, status: 'changed', published: TOTAL, updated: 0 };
    case 'same200':
      // The body's sha256 equals source_states.body_hash: handled like a 304, nothing parsed.
      return { http: 200, status: 'not_modified', published: 0, updated: 0 };
    case 'same304':
      return { http: 304, status: 'not_modified', published: 0, updated: 0 };
    case 'changed':
      return { http: 200, status: 'changed', published: 0, updated: feeds.changedCount };
  }
}

function checkRun(kind: RunKind, record: RunRecord, feeds: Feeds): string | undefined {
  const e = expectation(kind, feeds);
  const o = record.outcome;
  const problems: string[] = [];
  if (!o) return 'runDetection did not run (already running?)';
  if (o.status === 'failed') return `source FAILED: ${o.error}`;
  if (o.status !== e.status) problems.push(`source status ${o.status}, expected ${e.status}`);
  if (record.http.length !== 1 || record.http[0]!.status !== e.http) {
    problems.push(`HTTP ${record.http.map((r) => r.status).join(',') || 'none'}, expected one ${e.http}`);
  }
  if (kind !== 'first' && !record.http.every((r) => r.conditional)) problems.push('request was not conditional (no If-None-Match)');
  if (o.status === 'changed') {
    if (o.published !== e.published || o.updated !== e.updated) {
      problems.push(`published ${o.published}/updated ${o.updated}, expected ${e.published}/${e.updated}`);
    }
  }
  return problems.length ? problems.join('; ') : undefined;
}

/** One round on one database: a fresh schema / instance, the four runs back to back. */
async function measureRound(
  target: DbTarget,
  round: number,
  result: TargetResult,
  server: FeedServer,
  feeds: Feeds,
  log: (line: string) => void,
): Promise<void> {
  const fresh = await target.fresh(round);
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-bench-detection-'));
  try {
    const timer = statementTimer(detectionLabel);
    const deps = createBenchDeps(
      { ...fresh.handle, db: fresh.handle.db.withPlugin(timer.plugin) },
      { DATA_DIR: dataDir, PUBLIC_BASE_URL: 'https://alerts.example.org', SOURCE_URLS: server.url },
    );
    await sql`select 1`.execute(fresh.handle.db); // connection warm
    for (const kind of runKinds) {
      const feed = kind === 'changed' ? feeds.changed : feeds.base;
      server.serve(feed, { honourConditional: kind !== 'same200' });
      const before = await snapshotRows(fresh.handle.db);
      timer.totals.clear();
      const requestsBefore = server.requests.length;
      const t0 = now();
      let outcome: SourceOutcome | undefined;
      let thrown: string | undefined;
      try {
        const r = await runDetection(deps, 'cli');
        if (r.ran) outcome = r.run.sources[0];
      } catch (error) {
        thrown = `runDetection threw: ${(error as Error).message}`;
      }
      const ms = now() - t0;
      const byStatement: Record<string, number> = {};
      let sqlMs = 0;
      let statements = 0;
      for (const [label, t] of timer.totals) {
        byStatement[label] = t.ms;
        sqlMs += t.ms;
        statements += t.count;
      }
      const record: RunRecord = {
        ms,
        sqlMs,
        statements,
        byStatement,
        rows: await rowsWrittenSince(fresh.handle.db, before),
        outcome,
        http: server.requests.slice(requestsBefore),
      };
      const problem = thrown ?? checkRun(kind, record, feeds);
      if (problem) record.problem = problem;
      result.runs[kind].push(record);
      log(
        `  ${target.name} round ${round}/${ROUNDS} ${runLabels[kind]}: ${fmtInt(ms)} ms, HTTP ${record.http.map((h) => h.status).join(',')}, ` +
          `rows ${rowsCell(record.rows)}, SQL ${fmtInt(sqlMs)} ms in ${statements} statements` +
          (kind === 'first' ? '' : `, ${pct(ms / (result.runs.first[round - 1]?.ms ?? NaN))} of this round's first load`) +
          (problem ? `  PROBLEM: ${problem}` : ''),
      );
    }
  } finally {
    await fresh.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
  result.version = target.version;
}

/**
 * Every database, round by round: round 1 on each database, then round 2, ..., the order of
 * the databases alternating between rounds; the CPU profile pass runs once after each round.
 * After MIN_ROUNDS rounds, stops if the rounds left (at the median round time so far) would
 * take the whole bench past BUDGET_S, so the round count stays odd (3 or 5 by default).
 */
async function measureInterleaved(
  targets: readonly DbTarget[],
  server: FeedServer,
  feeds: Feeds,
  cpu: CpuProfile,
  benchStarted: number,
  log: (line: string) => void,
): Promise<{ results: TargetResult[]; rounds: number; stoppedEarly: boolean }> {
  const results = targets.map<TargetResult>((t) => ({
    target: t.name,
    version: t.version,
    runs: { first: [], same200: [], same304: [], changed: [] },
  }));
  const roundSeconds: number[] = [];
  let rounds = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const t0 = now();
    const order = targets.map((_, i) => i);
    if (round % 2 === 0) order.reverse();
    for (const i of order) await measureRound(targets[i]!, round, results[i]!, server, feeds, log);
    await profileCpu(server, feeds, cpu);
    roundSeconds.push((now() - t0) / 1000);
    rounds = round;
    if (round === MIN_ROUNDS && ROUNDS > MIN_ROUNDS) {
      const projected = (now() - benchStarted) / 1000 + (ROUNDS - round) * median(roundSeconds);
      if (projected > BUDGET_S) {
        log(`  stopping after ${round} rounds: ${ROUNDS} would take ~${projected.toFixed(0)} s (budget ${BUDGET_S} s)`);
        return { results, rounds, stoppedEarly: true };
      }
    }
  }
  return { results, rounds, stoppedEarly: false };
}

/** Samples (ms) per step, over every profile pass: label -> times. */
type CpuProfile = Map<string, number[]>;

const SCALE = '(for scale) ';

const STEP_FETCH = 'fetchSource (src: HTTP GET of the whole body, size cap, UTF-8 decode)';
const STEP_SHA = 'sha256 of the body (detect-source.ts: compared with `source_states.body_hash`)';
/** The steps a no-change 200 run takes; a 200 with a new body takes all of them. */
const NO_CHANGE_STEPS = new Set([STEP_FETCH, STEP_SHA]);

/**
 * The CPU side of a run that gets a 200, step by step, without a database: the same calls
 * the job makes (src's fetchSource, the sha256 detect-source.ts takes of the body, then for a
 * body it has not seen: parseSourceDocument, normaliseEvent, hashEvents), each timed alone.
 * Called once after each round, so its samples share the rounds' load.
 */
async function profileCpu(server: FeedServer, feeds: Feeds, into: CpuProfile, reps = 2): Promise<void> {
  server.serve(feeds.base, { honourConditional: false });
  const limits = { timeoutMs: 15_000, maxBytes: 20 * 1024 * 1024, userAgent: 'tracker-alerts-bench' };
  const step = async <T>(label: string, fn: () => T | Promise<T>): Promise<T> => {
    let out!: T;
    for (let i = 0; i < reps; i++) {
      const t = now();
      out = await fn();
      const ms = now() - t;
      into.set(label, [...(into.get(label) ?? []), ms]);
    }
    return out;
  };
  const fetched = await step(STEP_FETCH, () => fetchSource(server.url, {}, limits));
  if (fetched.status !== 'ok') throw new Error('profile: the feed server did not answer 200');
  const body = fetched.body;
  await step(STEP_SHA, () => createHash('sha256').update(body).digest('base64url'));
  const document = await step('parseSourceDocument (JSON.parse + zod safeParse per event + duplicate-id check)', () =>
    parseSourceDocument(body, fetched.contentType, server.url),
  );
  const normalised = await step("normaliseEvent (on the adapter's validated events, no second zod parse)", () =>
    document.events.map(normaliseEvent),
  );
  await step('hashEvents (content hash of every event)', () => hashEvents(normalised));
  await step(`${SCALE}JSON.parse of the body alone (inside parseSourceDocument)`, () => JSON.parse(body));
}

function cpuSteps(profile: CpuProfile): [string, number][] {
  return [...profile].map(([label, times]) => [label, median(times)]);
}

function bookkeepingCell(rows: RowsWritten | undefined): string {
  if (!rows) return 'n/a';
  return `${rows.detectionRuns} run + ${rows.sourceStates} source state`;
}

/** The same for every round, or each round's figure. */
function consistent(records: readonly RunRecord[], cell: (r: RunRecord) => string): string {
  const cells = [...new Set(records.map(cell))];
  return cells.length === 1 ? cells[0]! : cells.join(' / ');
}

const fmtMs = (ms: number) => (Number.isFinite(ms) ? (ms >= 100 ? fmtInt(ms) : ms.toFixed(1)) : 'n/a');
const pct = (share: number) => (Number.isFinite(share) ? `${(100 * share).toFixed(1)}%` : 'n/a');

interface Verdict {
  kind: 'same200' | 'same304';
  share: number;
  rows: number;
  timeOk: boolean;
  rowsOk: boolean;
  clean: boolean;
}

/** Each round's run time over the first load of the same round (run just before it). */
function roundRatios(r: TargetResult, kind: RunKind): number[] {
  return r.runs[kind].map((x, i) => x.ms / (r.runs.first[i]?.ms ?? NaN));
}

/** The median of the per-round ratios (not the ratio of the medians). */
function shareOfFirst(r: TargetResult, kind: RunKind): number {
  return median(roundRatios(r, kind));
}

function verdicts(r: TargetResult): Verdict[] {
  return (['same200', 'same304'] as const).map((kind) => {
    const records = r.runs[kind];
    const share = shareOfFirst(r, kind);
    const rows = Math.max(...records.map((x) => x.rows.total));
    return {
      kind,
      share,
      rows,
      timeOk: share < GOAL_NO_CHANGE_SHARE,
      rowsOk: rows === 0,
      clean: records.every((x) => !x.problem) && r.runs.first.every((x) => !x.problem),
    };
  });
}

const columns: TableColumn[] = [
  { title: 'database' },
  { title: 'run' },
  { title: 'HTTP' },
  { title: 'wall ms (median)', align: 'right' },
  { title: 'rounds (min-max ms)', align: 'right' },
  { title: 'events/s', align: 'right' },
  { title: 'SQL ms (statements)', align: 'right' },
  { title: 'outcome (new / updated / unchanged)' },
  { title: 'rows written (events + changes)', align: 'right' },
  { title: 'run bookkeeping rows' },
  { title: 'vs first load (median of per-round ratios)', align: 'right' },
  { title: 'goal' },
];

function tableRows(results: readonly TargetResult[]): string[][] {
  const out: string[][] = [];
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  for (const r of results) {
    const v = verdicts(r);
    for (const kind of runKinds) {
      const records = r.runs[kind];
      const ms = median(records.map((x) => x.ms));
      const goal = v.find((x) => x.kind === kind);
      const problems = [...new Set(records.map((x) => x.problem).filter(Boolean))];
      out.push([
        r.target,
        runLabels[kind],
        consistent(records, (x) => x.http.map((h) => h.status).join(',') || 'none'),
        fmtMs(ms),
        `${fmtMs(Math.min(...records.map((x) => x.ms)))}-${fmtMs(Math.max(...records.map((x) => x.ms)))}`,
        kind === 'same304' ? '' : fmtInt((TOTAL / ms) * 1000),
        `${fmtMs(median(records.map((x) => x.sqlMs)))} (${consistent(records, (x) => String(x.statements))})`,
        problems.length
          ? `PROBLEM: ${problems.join(' | ')}`
          : consistent(records, (x) =>
              x.outcome?.status === 'changed'
                ? `${fmtInt(x.outcome.published ?? NaN)} / ${fmtInt(x.outcome.updated ?? NaN)} / ${fmtInt(x.outcome.unchanged ?? NaN)}`
                : (x.outcome?.status ?? 'n/a'),
            ),
        consistent(records, (x) => rowsCell(x.rows)),
        consistent(records, (x) => bookkeepingCell(x.rows)),
        kind === 'first' ? '100%' : pct(shareOfFirst(r, kind)),
        goal ? `< ${GOAL_NO_CHANGE_SHARE * 100}%: ${mark(goal.timeOk)}; 0 rows: ${mark(goal.rowsOk)}` : '',
      ]);
    }
  }
  return out;
}

/** SQL time per statement kind (median over rounds), for the runs that write or compare. */
function statementTable(results: readonly TargetResult[]): { columns: TableColumn[]; rows: string[][] } {
  const kinds: RunKind[] = ['first', 'same200', 'changed'];
  const labels = [...new Set(results.flatMap((r) => kinds.flatMap((k) => r.runs[k].flatMap((x) => Object.keys(x.byStatement)))))].sort();
  const cols: TableColumn[] = [
    { title: 'SQL statement (ms, median of rounds)' },
    ...results.flatMap((r) =>
      kinds.map((k) => ({ title: `${r.target}: ${runLabels[k].replace(/ \(.*\)$/, '')}`, align: 'right' as const })),
    ),
  ];
  const rows = labels.map((label) => [
    label,
    ...results.flatMap((r) =>
      kinds.map((k) => {
        const values = r.runs[k].map((x) => x.byStatement[label] ?? 0);
        const m = median(values);
        return m === 0 ? '' : fmtMs(m);
      }),
    ),
  ]);
  return { columns: cols, rows };
}

/** The figures the ingest bench (issue 3) wrote, read back from its BENCHMARKS.md section. */
function ingestFigures(): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  if (!existsSync(benchmarksFile)) return out;
  const lines = readFileSync(benchmarksFile, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === '## Ingest (issue 3)');
  if (start === -1) return out;
  for (let i = start + 1; i < lines.length && !lines[i]!.startsWith('## '); i++) {
    const cells = lines[i]!.split('|').map((c) => c.trim());
    if (cells.length < 5 || !/^[\d,]+$/.test(cells[3] ?? '')) continue;
    const [, database, phase, rate] = cells as [string, string, string, string];
    const row = out.get(database) ?? {};
    if (phase.startsWith('ingest new')) row.new = rate;
    else if (phase.startsWith('re-ingest unchanged')) row.unchanged = rate;
    else if (phase.startsWith('re-ingest 5%')) row.changed = rate;
    out.set(database, row);
  }
  const measured = lines
    .slice(start, start + 4)
    .join(' ')
    .match(/Measured (\d{4}-\d{2}-\d{2})/);
  if (measured) out.set('__date', { date: measured[1]! });
  return out;
}

function comparisonTable(results: readonly TargetResult[]): { columns: TableColumn[]; rows: string[][]; date?: string } | undefined {
  const ingest = ingestFigures();
  if (ingest.size === 0) return undefined;
  const rate = (r: TargetResult, k: RunKind) => fmtInt((TOTAL / median(r.runs[k].map((x) => x.ms))) * 1000);
  const rows: string[][] = [];
  for (const r of results) {
    const i = ingest.get(r.target) ?? {};
    rows.push([
      r.target,
      'everything new',
      `${rate(r, 'first')} (1 x ${fmtInt(TOTAL)}, HTTP + parse included)`,
      i.new ? `${i.new} (20 x 1,000)` : 'n/a',
    ]);
    rows.push([
      r.target,
      'nothing changed',
      `${rate(r, 'same200')} (200 identical: body hash matches, nothing parsed)`,
      i.unchanged ?? 'n/a',
    ]);
    rows.push([r.target, 'a few changed', `${rate(r, 'changed')} (1% bodies)`, i.changed ? `${i.changed} (5%: bodies and flags)` : 'n/a']);
  }
  return {
    columns: [
      { title: 'database' },
      { title: 'situation' },
      { title: 'detection job, events/s (this run)', align: 'right' },
      { title: 'ingestEvents, events/s (issue 3 section)', align: 'right' },
    ],
    rows,
    date: ingest.get('__date')?.date,
  };
}

/** The run's time over the same round's first load: each round's ratio, in round order. */
function roundShares(r: TargetResult, kind: RunKind): string {
  return roundRatios(r, kind).map(pct).join(', ');
}

/** What the figures of this run say, in words (computed, nothing written in advance). */
function findingLines(results: readonly TargetResult[], steps: readonly [string, number][]): string[] {
  const stepMs = (label: string) => steps.find(([l]) => l === label)?.[1] ?? NaN;
  const fetchMs = stepMs(STEP_FETCH);
  const shaMs = stepMs(STEP_SHA);
  const newBodyMs = steps.filter(([l]) => !l.startsWith(SCALE) && !NO_CHANGE_STEPS.has(l)).reduce((a, [, ms]) => a + ms, 0);
  const lines = ['Findings (from the figures above):', ''];
  for (const r of results) {
    const first = r.runs.first;
    const upserts = first.map((x) => x.byStatement['insert events (upsert)'] ?? 0);
    const failed = first.filter((x) => x.problem).length;
    lines.push(
      `- ${r.target}: the first load of ${fmtInt(TOTAL)} events is one transaction and ${failed === 0 ? 'succeeded in every round' : `FAILED in ${failed} round(s): ${first.find((x) => x.problem)?.problem}`}; ` +
        `upsertEvents/appendChanges send ${fmtInt(ROWS_PER_STATEMENT)} rows per statement (${fmtInt(ROWS_PER_STATEMENT * 14)} bind parameters), ` +
        `${consistent(first, (x) => String(x.statements))} statements in all, so the 65,535-parameter limit is not reached; ` +
        `the events upsert is ${pct(median(upserts.map((u, i) => u / first[i]!.ms)))} of that run (median of rounds).`,
    );
  }
  for (const r of results) {
    const same200 = r.runs.same200;
    const wall = median(same200.map((x) => x.ms));
    const sqlMs = median(same200.map((x) => x.sqlMs));
    const extra = median(same200.map((x, i) => x.ms - (r.runs.same304[i]?.ms ?? NaN)));
    const statuses = [...new Set(same200.map((x) => x.outcome?.status ?? 'n/a'))].join('/');
    const body = fetchMs + shaMs;
    lines.push(
      `- ${r.target}, no change (200, identical body): reported \`${statuses}\`, ${fmtMs(wall)} ms (median). ` +
        `Its SQL: ${fmtMs(sqlMs)} ms in ${consistent(same200, (x) => String(x.statements))} statements (lock, run record, source state); ` +
        `downloading the whole body again and hashing it: ~${fmtMs(body)} ms (fetchSource ${fmtMs(fetchMs)} ms + sha256 ${fmtMs(shaMs)} ms, ` +
        `timed alone); so ${body > sqlMs ? 'the body transfer, not SQL, is the larger part' : 'SQL, not the body transfer, is the larger part'}. ` +
        `It costs ${fmtMs(extra)} ms more than the same round's 304 run (median of rounds).`,
    );
  }
  lines.push(
    `- A 200 with a new body (the first load, the 1% run) adds parsing, normalising and hashing every event, ` +
      `~${fmtInt(newBodyMs)} ms of CPU before any SQL (the steps below the sha256 in the table above); the no-change 200 run skips all of it.`,
  );
  return lines;
}

/** The feed, and the same feed with 1% of the bodies edited. */
function feedsFor(log: (line: string) => void) {
  const generated = generateFeedEvents(TOTAL);
  const edited = editSome(generated);
  const feeds: Feeds = {
    base: Buffer.from(JSON.stringify({ events: generated })),
    changed: Buffer.from(JSON.stringify({ events: edited.events })),
    changedCount: edited.changed,
  };
  const countryCount = new Set(generated.map((e) => e.country)).size;
  const bodyLengths = generated.map((e) => e.body?.length ?? 0);
  const bodyChars = `${Math.min(...bodyLengths)}-${Math.max(...bodyLengths)}`;
  const feedMb = feeds.base.length / 2 ** 20;
  log(
    `detection bench: ${fmtInt(TOTAL)} events across ${countryCount} countries, feed ${feedMb.toFixed(1)} MiB, ` +
      `bodies ${bodyChars} chars (median ${median(bodyLengths)}), ${edited.changed} edited for the 1% run; up to ${ROUNDS} rounds per database` +
      (Number.isFinite(BUDGET_S) ? ` (${MIN_ROUNDS} if ${ROUNDS} would take more than ${BUDGET_S} s)` : ''),
  );
  return { feeds, countryCount, bodyChars, feedMb };
}

export async function run(): Promise<BenchResult> {
  const clock = startRun();
  const log = (line: string) => console.log(line);
  const { feeds, countryCount, bodyChars, feedMb } = feedsFor(log);
  const server = await startFeedServer();
  log(`  feed server at ${server.url}`);
  const cpu: CpuProfile = new Map();
  const { targets, postgresVersion } = await dbTargets('bench_detection', 'postgres,pglite-memory', log);
  let measured: Awaited<ReturnType<typeof measureInterleaved>>;
  try {
    // Warm the JIT on the CPU path so round 1 is not an outlier (these samples are dropped).
    await profileCpu(server, feeds, new Map(), 2);
    measured = await measureInterleaved(targets, server, feeds, cpu, now() - clock.elapsedS() * 1000, log);
  } finally {
    for (const target of targets) await target.finish();
    await server.close();
  }
  const { results, rounds, stoppedEarly } = measured;
  const steps = cpuSteps(cpu);
  const statements = statementTable(results);
  const comparison = comparisonTable(results);
  const goalLines = results.flatMap((r) =>
    verdicts(r).map(
      (v) =>
        `- ${r.target}, ${runLabels[v.kind]}: ${pct(v.share)} of the first load's wall time (goal < ${GOAL_NO_CHANGE_SHARE * 100}%: ` +
        `**${v.timeOk ? 'met' : 'not met'}**; per round ${roundShares(r, v.kind)}), events + changes rows written ${v.rows} ` +
        `(goal 0: **${v.rowsOk ? 'met' : 'not met'}**)` +
        (v.clean ? '' : ' (a run reported a problem: see the table)'),
    ),
  );
  const pipelineSteps = steps.filter(([l]) => !l.startsWith(SCALE));
  const noChangeTotal = pipelineSteps.filter(([l]) => NO_CHANGE_STEPS.has(l)).reduce((a, [, ms]) => a + ms, 0);
  const newBodyTotal = pipelineSteps.reduce((a, [, ms]) => a + ms, 0);
  return {
    section: SECTION,
    command: 'npm run bench -- detection        # BENCH_EVENTS=1000 BENCH_ROUNDS=1 for a quick pass (no file written)',
    machine: machineInfo({
      PostgreSQL: postgresVersion,
      PGlite: results.find((r) => r.target.startsWith('PGlite'))?.version ?? pgliteVersion(),
    }),
    run: clock.finish(),
    write: writeUnless(TOTAL !== 10_000, 'BENCH_EVENTS'),
    blocks: writeUp(
      'detection',
      {
        feedMb: feedMb.toFixed(1),
        total: fmtInt(TOTAL),
        countries: countryCount,
        perCountry: Math.round(TOTAL / countryCount),
        bodyChars,
        rounds,
        stoppedEarly,
        maxRounds: ROUNDS,
        budgetS: BUDGET_S,
        goals: goalLines,
        samples: steps[0] ? cpu.get(steps[0][0])!.length : 0,
        findings: findingLines(results, steps).join('\n'),
        rowsPerStatement: fmtInt(ROWS_PER_STATEMENT),
        comparison: comparison && { date: comparison.date },
      },
      {
        runs: { columns, rows: tableRows(results) },
        steps: {
          columns: cols(`step (${feedMb.toFixed(1)} MiB feed, ${fmtInt(TOTAL)} events)`, 'no-change 200', '>ms'),
          rows: [
            ...steps.map(([l, ms]) => [l, l.startsWith(SCALE) ? '' : NO_CHANGE_STEPS.has(l) ? 'yes' : 'no (skipped)', ms.toFixed(1)]),
            ['sum: a no-change 200 run', '', noChangeTotal.toFixed(1)],
            ['sum: a 200 with a new body (without the "for scale" row)', '', newBodyTotal.toFixed(1)],
          ],
        },
        statements,
        ...(comparison && { comparison }),
      },
    ),
  };
}
