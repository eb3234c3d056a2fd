/**
 * Issue 4: `runDetection` on a generated JSON feed over HTTP, four runs per round and database,
 * each checked against what it must see, then a round per database under the CPU profiler
 * (workload and findings: bench/text/detection.md).
 */
import { runDetection } from '../src/alerts/detector/run-detection';
import type { SourceOutcome } from '../src/db/database';
import { ROWS_PER_STATEMENT } from '../src/db/events';
import { createBenchDeps } from '../testkit/bench-deps';
import { type DbTarget, dbTargets } from '../testkit/db-targets';
import { editSome, generateFeedEvents } from '../testkit/generated-events';
import { type RowsWritten, rowsCell, rowsWrittenSince, snapshotRows } from '../testkit/rows-written';
import { type FeedRequest, startFeedServer } from '../testkit/source-server';
import { eventsLabel, sqlTotals, statementTimer } from '../testkit/statement-timer';
import { median } from '../testkit/stats';
import { timed } from '../testkit/timing';
import { bodyChars, consistent, inTempDir, interleaved, log, onFresh, spread, targetsMachine } from './measure';
import { type CpuProfile, profiled, whereTimeGoes } from './profile';
import * as report from './report';

const TOTAL = report.envNumber('BENCH_EVENTS', 10_000);
const ROUNDS = report.envNumber('BENCH_ROUNDS', 3, 1);
const KINDS = ['first', 'same200', 'same304', 'changed'] as const;
type Kind = (typeof KINDS)[number];
const LABELS: Record<Kind, string> = {
  first: 'first load',
  same200: 'no change (200, identical body)',
  same304: 'no change (304)',
  changed: '1% changed (100 bodies edited)',
};
/** What each run must see: the HTTP status, the source's outcome, its new and updated events. */
const EXPECTED: Record<Kind, [number, SourceOutcome['status'], number, number | 'edited']> = {
  first: [200, 'changed', TOTAL, 0],
  same200: [200, 'not_modified', 0, 0], // the body's sha256 equals source_states.body_hash: nothing parsed
  same304: [304, 'not_modified', 0, 0],
  changed: [200, 'changed', 0, 'edited'],
};
type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;
type Feeds = { base: Buffer; changed: Buffer; edited: number };
type RunRecord = ReturnType<typeof sqlTotals> & {
  ms: number;
  rows: RowsWritten;
  outcome?: SourceOutcome;
  http: FeedRequest[];
  problem?: string;
};
type Runs = Record<Kind, RunRecord[]>;
type TargetResult = { target: string; runs: Runs };

function problemOf(kind: Kind, r: RunRecord, feeds: Feeds): string | undefined {
  const [http, status, published, updated] = EXPECTED[kind];
  const o = r.outcome;
  if (!o) return 'runDetection did not run (already running?)';
  if (o.status === 'failed') return `source FAILED: ${o.error}`;
  const wanted = updated === 'edited' ? feeds.edited : updated;
  const problems = [
    o.status !== status && `source status ${o.status}, expected ${status}`,
    (r.http.length !== 1 || r.http[0]!.status !== http) && `HTTP ${r.http.map((h) => h.status).join(',') || 'none'}, expected one ${http}`,
    kind !== 'first' && !r.http.every((h) => h.conditional) && 'request was not conditional (no If-None-Match)',
    o.status === 'changed' &&
      (o.published !== published || o.updated !== wanted) &&
      `published ${o.published}/updated ${o.updated}, expected ${published}/${wanted}`,
  ];
  return problems.filter(Boolean).join('; ') || undefined;
}

type Setup = { server: FeedServer; feeds: Feeds };
const noRuns = (): Runs => ({ first: [], same200: [], same304: [], changed: [] });

/** One round on one database: a fresh schema / instance, the four runs back to back; each run under the CPU profiler when `profiles` is given. */
const measureRound = ({ server, feeds }: Setup, target: DbTarget, round: number, runs: Runs, profiles?: Map<Kind, CpuProfile>) =>
  onFresh(target, round, (handle) =>
    inTempDir('tracker-bench-detection-', async (dataDir) => {
      const timer = statementTimer(eventsLabel);
      const deps = createBenchDeps(
        { ...handle, db: handle.db.withPlugin(timer.plugin) },
        { DATA_DIR: dataDir, PUBLIC_BASE_URL: 'https://alerts.example.org', SOURCE_URLS: server.url },
      );
      for (const kind of KINDS) {
        server.serve(kind === 'changed' ? feeds.changed : feeds.base, { honourConditional: kind !== 'same200' });
        const before = await snapshotRows(handle.db);
        timer.totals.clear();
        const requestsBefore = server.requests.length;
        const detect = () =>
          runDetection(deps, 'cli').then(
            (r) => (r.ran ? r.run.sources[0] : undefined),
            (error: Error) => `runDetection threw: ${error.message}`,
          );
        const run = await timed(async () => {
          if (!profiles) return detect();
          const { result, profile } = await profiled(detect);
          profiles.set(kind, profile);
          return result;
        });
        const statements = sqlTotals(timer.totals);
        // The job kicks the webhook pump, whose fan-out runs on in the background: the next timed run must not share it.
        await deps.webhookPump.idle();
        const threw = typeof run.value === 'string' ? run.value : undefined;
        const http = server.requests.slice(requestsBefore);
        const record: RunRecord = { ...statements, ms: run.ms, rows: await rowsWrittenSince(handle.db, before), http };
        if (!threw && run.value) record.outcome = run.value as SourceOutcome;
        record.problem = threw ?? problemOf(kind, record, feeds);
        runs[kind].push(record);
        log(
          `  ${target.name} round ${round} ${LABELS[kind]}: ${report.fmtInt(run.ms)} ms, HTTP ${http.map((h) => h.status).join(',')}, ` +
            `rows ${rowsCell(record.rows)}, SQL ${report.fmtInt(record.sqlMs)} ms in ${record.statements} statements${record.problem ? `  PROBLEM: ${record.problem}` : ''}`,
        );
      }
    }),
  );

/** Each round's run time over the first load of the same round (run just before it). */
const roundRatios = (r: TargetResult, kind: Kind) => r.runs[kind].map((x, i) => x.ms / r.runs.first[i]!.ms);
const timeGoal = (r: TargetResult, kind: Kind): report.Goal => ({
  value: median(roundRatios(r, kind)),
  op: '<',
  target: 0.1,
  show: (n) => report.pct(n, n === 0.1 ? 0 : 1),
});
const noChange = (kind: Kind) => kind === 'same200' || kind === 'same304';

function tables(results: readonly TargetResult[], profiles: ReadonlyMap<string, Map<Kind, CpuProfile>>) {
  const ms = (x: readonly RunRecord[]) => x.map((y) => y.ms);
  const runs = report.recordTable(
    results.flatMap((r) => KINDS.map((kind) => ({ r, kind, x: r.runs[kind] }))),
    {
      database: ({ r }) => r.target,
      run: ({ kind }) => LABELS[kind],
      HTTP: ({ x }) => consistent(x, (y) => y.http.map((h) => h.status).join(',') || 'none'),
      '>wall ms (median)': ({ x }) => report.fmtMs(median(ms(x))),
      '>rounds (min-max ms)': ({ x }) => spread(ms(x), report.fmtMs),
      '>events/s': ({ kind, x }) => (kind === 'same304' ? '' : report.fmtInt((TOTAL / median(ms(x))) * 1000)),
      '>SQL ms (statements)': ({ x }) => `${report.fmtMs(median(x.map((y) => y.sqlMs)))} (${consistent(x, (y) => String(y.statements))})`,
      'outcome (new / updated / unchanged)': ({ x }) => {
        const problems = [...new Set(x.map((y) => y.problem).filter(Boolean))];
        if (problems.length) return `PROBLEM: ${problems.join(' | ')}`;
        return consistent(x, ({ outcome: o }) =>
          o?.status === 'changed'
            ? [o.published, o.updated, o.unchanged].map((n) => report.fmtInt(n ?? Number.NaN)).join(' / ')
            : (o?.status ?? 'n/a'),
        );
      },
      '>rows written (events + changes)': ({ x }) => consistent(x, (y) => rowsCell(y.rows)),
      'run bookkeeping rows': ({ x }) => consistent(x, (y) => `${y.rows.detectionRuns} run + ${y.rows.sourceStates} source state`),
      '>vs first load (median of per-round ratios; each round)': ({ r, kind }) =>
        kind === 'first' ? '100%' : `${report.pct(timeGoal(r, kind).value)} (${report.pcts(roundRatios(r, kind))})`,
      goal: ({ r, kind, x }) =>
        noChange(kind) ? `${report.goalCell(timeGoal(r, kind))}; 0 rows: ${x.every((y) => y.rows.total === 0) ? 'met' : 'NOT met'}` : '',
    },
  );
  const kinds: Kind[] = ['first', 'same200', 'changed'];
  const labels = [...new Set(results.flatMap((r) => kinds.flatMap((k) => r.runs[k].flatMap((x) => Object.keys(x.byStatement)))))].sort();
  const statements = {
    columns: report.cols(
      'SQL statement (ms, median of rounds)',
      ...results.flatMap((r) => kinds.map((k) => `>${r.target}: ${LABELS[k].replace(/ \(.*\)$/, '')}`)),
    ),
    rows: labels.map((label) => [
      label,
      ...results
        .flatMap((r) => kinds.map((k) => median(r.runs[k].map((x) => x.byStatement[label] ?? 0))))
        .map((m) => (m === 0 ? '' : report.fmtMs(m))),
    ]),
  };
  const profiled = [...profiles].flatMap(([target, byKind]) =>
    kinds.map((k) => ({ title: `${target}, ${LABELS[k].replace(/ \(.*\)$/, '')}`, profiles: [byKind.get(k)!] })),
  );
  return { runs, statements, profile: whereTimeGoes(profiled, 'CPU ms') };
}

/** What the figures of this run say beyond the tables, for bench/text/detection.md. */
function findings(results: readonly TargetResult[]) {
  return results.map(({ target, runs: { first, same200, same304 } }) => {
    const sqlMs = median(same200.map((x) => x.sqlMs));
    const restMs = median(same200.map((x) => x.ms - x.sqlMs));
    return {
      target,
      upsertShare: report.pct(median(first.map((x) => (x.byStatement['insert events (upsert)'] ?? 0) / x.ms))),
      restMs: report.fmtMs(restMs),
      larger: restMs > sqlMs ? 'the body transfer and its hash, not SQL,' : 'SQL, not the body transfer,',
      extra: report.fmtMs(median(same200.map((x, i) => x.ms - same304[i]!.ms))),
    };
  });
}

export async function run(): Promise<report.BenchResult> {
  const generated = generateFeedEvents(TOTAL);
  const edited = editSome(generated);
  const feeds: Feeds = {
    base: Buffer.from(JSON.stringify({ events: generated })),
    changed: Buffer.from(JSON.stringify({ events: edited.events })),
    edited: edited.changed,
  };
  const countries = new Set(generated.map((e) => e.country)).size;
  const feedMb = feeds.base.length / 2 ** 20;
  log(
    `detection bench: ${report.fmtInt(TOTAL)} events, ${countries} countries, feed ${feedMb.toFixed(1)} MiB, ${ROUNDS} rounds per database`,
  );
  const setup = { server: await startFeedServer(), feeds };
  const profiles = new Map<string, Map<Kind, CpuProfile>>();
  const { targets, postgresVersion } = await dbTargets('bench_detection', 'postgres,pglite-memory', log);
  const results: TargetResult[] = targets.map((t) => ({ target: t.name, runs: noRuns() }));
  try {
    await interleaved(ROUNDS, targets, (target, round, i) => measureRound(setup, target, round, results[i]!.runs));
    for (const target of targets) {
      profiles.set(target.name, new Map());
      log(`  ${target.name}: one more round under the CPU profiler (not counted in the figures above)`);
      await measureRound(setup, target, ROUNDS + 1, noRuns(), profiles.get(target.name));
    }
  } finally {
    for (const target of targets) await target.finish();
    await setup.server.close();
  }
  return {
    section: 'Detection (issue 4)',
    command: 'npm run bench -- detection        # BENCH_EVENTS=1000 BENCH_ROUNDS=1 for a quick pass (no file written)',
    machine: targetsMachine(targets, postgresVersion),
    write: report.writeUnless(TOTAL !== 10_000, 'BENCH_EVENTS'),
    body: report.writeUp(
      'detection',
      {
        feedMb: feedMb.toFixed(1),
        total: report.fmtInt(TOTAL),
        countries,
        perCountry: Math.round(TOTAL / countries),
        bodyChars: bodyChars(generated),
        rounds: ROUNDS,
        findings: findings(results),
        rowsPerStatement: report.fmtInt(ROWS_PER_STATEMENT),
        paramsPerStatement: report.fmtInt(ROWS_PER_STATEMENT * 14),
      },
      tables(results, profiles),
    ),
  };
}
