/**
 * Issue 3: `ingestEvents` over 20 batches of 1,000 events (new, unchanged, 5% changed) against the
 * raw rate of a plain multi-row INSERT of the same rows, in interleaved rounds per database
 * (workload and findings: bench/text/ingest.md). BENCH_TARGETS picks the databases,
 * BENCH_PROFILE=0 profiles only when a goal is missed.
 */
import { type CompiledQuery, sql } from 'kysely';
import { hashEvents } from '../src/alerts/detect';
import type { IngestDeps } from '../src/alerts/ingest';
import { systemClock } from '../src/clock';
import type { Db } from '../src/db/database';
import type { NormalisedEvent } from '../src/db/event-fields';
import { createMetrics } from '../src/metrics';
import { type DbTarget, dbTargets } from '../testkit/db-targets';
import { ingestInputs, normalised } from '../testkit/events';
import { batches, benchEvents, changeSome } from '../testkit/generated-events';
import { type RowsWritten, rowsCell, rowsWrittenSince, snapshotRows } from '../testkit/rows-written';
import { eventsLabel, sqlTotals, statementTimer } from '../testkit/statement-timer';
import { median } from '../testkit/stats';
import { timed } from '../testkit/timing';
import { bodyChars, interleaved, log, onFresh, spread, targetsMachine } from './measure';
import { type CpuProfile, profiled, whereTimeGoes } from './profile';
import * as report from './report';

const TOTAL = report.envNumber('BENCH_EVENTS', 20_000);
const BATCH = 1_000;
const ROUNDS = report.envNumber('BENCH_ROUNDS', 3, 1);

const PHASES = ['raw', 'new', 'unchanged', 'changed'] as const;
type Phase = (typeof PHASES)[number];
const LABELS: Record<Phase, string> = {
  raw: 'raw multi-row INSERT (scratch table)',
  new: `ingest new (${TOTAL / BATCH} x ${report.fmtInt(BATCH)})`,
  unchanged: 're-ingest unchanged',
  changed: 're-ingest 5% changed',
};

interface TargetResult {
  target: DbTarget;
  ms: Record<Phase, number[]>;
  rows: Partial<Record<Phase, RowsWritten>>;
  rowsConsistent: boolean;
  /** The profile pass: its CPU profiles (new, unchanged) and SQL ms by phase and statement. */
  profile?: { cpu: CpuProfile[]; sql: Record<string, number> };
}
type Workload = ReturnType<typeof workload>;

const deps = (db: Db): IngestDeps => ({ db, clock: systemClock, metrics: createMetrics() });

/** One round on one database: raw and ours (new, unchanged, 5% changed), their order alternating. */
const measureRound = (r: TargetResult, round: number, work: Workload) =>
  onFresh(r.target, round, async ({ db }) => {
    const d = deps(db);
    const keep = (phase: Phase, ms: number, rows: RowsWritten) => {
      r.ms[phase].push(ms);
      if (r.rows[phase] && JSON.stringify(r.rows[phase]) !== JSON.stringify(rows)) r.rowsConsistent = false;
      r.rows[phase] = rows;
    };
    const ours = async () => {
      for (const phase of ['new', 'unchanged', 'changed'] as const) {
        const before = await snapshotRows(db);
        const { ms } = await timed(() => ingestInputs(d, work.inputs[phase], BATCH));
        keep(phase, ms, await rowsWrittenSince(db, before));
      }
    };
    const raw = async () => {
      const { ms, rows } = await runRaw(db, work.rawRowBatches);
      keep('raw', ms, { eventsInserted: rows, eventsUpdated: 0, changesAppended: 0, total: rows, detectionRuns: 0, sourceStates: 0 });
    };
    for (const step of round % 2 ? [raw, ours] : [ours, raw]) await step();
    log(`  ${r.target.name} round ${round}/${ROUNDS}: ${PHASES.map((p) => `${p} ${report.fmtInt(rate(r, p, -1))}/s`).join(', ')}`);
  });

/** Row values exactly as upsertEvents writes them, computed once outside the timing. */
const rawRows = (events: readonly NormalisedEvent[], at: Date) =>
  hashEvents(events).map(({ event: e, hash }) => ({
    ...{ id: e.id, country_id: e.country, month: e.month, title: e.title, body: e.body, categories: e.categories, factors: e.factors },
    ...{ watch_flag: e.watchFlag, updates: JSON.stringify(e.updates), sources: JSON.stringify(e.sources), url: e.url },
    ...{ content_hash: hash, first_seen_at: at, last_changed_at: at },
  }));

/**
 * The raw limit: the same rows, one plain multi-row INSERT (compiled beforehand) per batch and
 * transaction, into a scratch table with the columns, primary key and indexes of `events` (LIKE
 * copies no FK and, without INCLUDING CONSTRAINTS, no CHECK).
 */
async function runRaw(db: Db, rowBatches: readonly ReturnType<typeof rawRows>[]): Promise<{ ms: number; rows: number }> {
  await sql`drop table if exists bench_raw_events`.execute(db);
  await sql`create table bench_raw_events (like events including defaults including indexes)`.execute(db);
  const queries: CompiledQuery[] = rowBatches.map((rows) =>
    db
      .insertInto('bench_raw_events' as 'events')
      .values(rows)
      .compile(),
  );
  const { ms } = await timed(async () => {
    for (const query of queries) await db.transaction().execute((trx) => trx.executeQuery(query));
  });
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from bench_raw_events`.execute(db);
  await sql`drop table bench_raw_events`.execute(db);
  return { ms, rows: rows[0]?.n ?? 0 };
}

/** Events per second of a phase: the median round, or one round by index. */
const rate = (r: TargetResult, phase: Phase, round?: number) =>
  (TOTAL / (round === undefined ? median(r.ms[phase]) : r.ms[phase].at(round)!)) * 1000;
const goals = (r: TargetResult) => ({
  newVsRaw: report.atLeast(rate(r, 'new') / rate(r, 'raw'), 0.5),
  unchangedVsNew: report.atLeast(rate(r, 'unchanged') / rate(r, 'new'), 2),
  zeroRows: { value: r.rows.unchanged?.total ?? Number.NaN, op: '=', target: 0 } satisfies report.Goal,
});

/**
 * One extra pass on a fresh database under the CPU profiler: new, then unchanged, as the rounds
 * ingest them, each statement timed in place (its wall time includes the server's).
 */
const profile = (r: TargetResult, work: Workload) =>
  onFresh(r.target, 99, async ({ db }) => {
    const timer = statementTimer(eventsLabel);
    const d = deps(db.withPlugin(timer.plugin));
    r.profile = { cpu: [], sql: {} };
    for (const phase of ['new', 'unchanged'] as const) {
      timer.totals.clear();
      r.profile.cpu.push((await profiled(() => ingestInputs(d, work.inputs.new, BATCH))).profile);
      for (const [label, ms] of Object.entries(sqlTotals(timer.totals).byStatement)) r.profile.sql[`${phase}: ${label}`] = ms;
    }
  });

function tables(results: readonly TargetResult[]) {
  const goalCell = (r: TargetResult, phase: Phase) => {
    const g = goals(r);
    if (phase === 'new') return report.goalCell(g.newVsRaw, ' raw');
    return phase === 'unchanged' ? `${report.goalCell(g.unchangedVsNew, ' new')}; rows ${report.goalCell(g.zeroRows)}` : '';
  };
  const base = (phase: Phase) => (phase === 'new' ? 'raw' : 'new');
  const profiledRuns = results.filter((r) => r.profile);
  const statements = [...new Set(profiledRuns.flatMap((r) => Object.keys(r.profile!.sql)))];
  const perBatch = (r: TargetResult) =>
    [0, 1].map((i) => ({ title: `${r.target.name}, ${i ? 'unchanged' : 'new'}`, profiles: [r.profile!.cpu[i]!], per: TOTAL / BATCH }));
  return {
    rates: report.recordTable(
      results.flatMap((r) => PHASES.map((phase) => ({ r, phase }))),
      {
        database: ({ r }) => r.target.name,
        phase: ({ phase }) => LABELS[phase],
        '>events/s (median)': ({ r, phase }) => report.fmtInt(rate(r, phase)),
        '>rounds (min-max events/s)': ({ r, phase }) => spread(r.ms[phase].map((ms) => (TOTAL / ms) * 1000)),
        '>rows written': ({ r, phase }) => rowsCell(r.rows[phase]),
        '>ratio': ({ r, phase }) =>
          phase === 'raw' ? '1.00x' : `${report.fmtRatio(rate(r, phase) / rate(r, base(phase)))} of ${base(phase)}`,
        goal: ({ r, phase }) => goalCell(r, phase),
      },
    ),
    ...(profiledRuns.length > 0 && {
      profile: whereTimeGoes(profiledRuns.flatMap(perBatch), 'ms per batch'),
      statements: {
        columns: report.cols('SQL statement (wall ms per 1,000-event batch)', ...profiledRuns.map((r) => `>${r.target.name}`)),
        rows: statements.map((s) => [
          s,
          ...profiledRuns.map((r) => r.profile!.sql[s]).map((ms) => (ms === undefined ? '' : (ms / (TOTAL / BATCH)).toFixed(1))),
        ]),
      },
    }),
  };
}

/** The events, their 5%-changed copy and the raw rows, batched. */
function workload() {
  const generated = benchEvents(TOTAL);
  const changed = changeSome(generated);
  hashEvents(generated.slice(0, 2 * BATCH).map(normalised)); // warms the JIT on the CPU path
  return {
    inputs: { new: generated, unchanged: generated, changed: changed.events },
    rawRowBatches: batches(rawRows(generated.map(normalised), new Date()), BATCH),
    changed,
    bodyChars: bodyChars(generated),
  };
}

export async function run(): Promise<report.BenchResult> {
  const work = workload();
  log(
    `ingest bench: ${report.fmtInt(TOTAL)} events in batches of ${report.fmtInt(BATCH)}, ${ROUNDS} rounds per database, bodies ${work.bodyChars} chars`,
  );
  const { targets, postgresVersion } = await dbTargets('bench_ingest', 'postgres,pglite-memory,pglite-disk', log);
  const results: TargetResult[] = targets.map((target) => ({
    target,
    ms: { raw: [], new: [], unchanged: [], changed: [] },
    rows: {},
    rowsConsistent: true,
  }));
  try {
    await interleaved(ROUNDS, results, (r, round) => measureRound(r, round, work));
    for (const r of results) {
      const missed = Object.values(goals(r)).some((g) => !report.goalMet(g));
      if (process.env.BENCH_PROFILE !== '0' || missed) {
        log(`  profiling ${r.target.name}${missed ? ' (a goal is not met)' : ''} ...`);
        await profile(r, work);
      }
      if (!r.rowsConsistent) log(`  WARNING: ${r.target.name}: rows written differed between rounds`);
    }
  } finally {
    for (const target of targets) await target.finish();
  }
  return {
    section: 'Ingest (issue 3)',
    command: 'npm run bench -- ingest        # BENCH_EVENTS=2000 BENCH_ROUNDS=1 for a quick pass (no file written)',
    machine: targetsMachine(targets, postgresVersion),
    write: report.writeUnless(TOTAL !== 20_000, 'BENCH_EVENTS'),
    body: report.writeUp(
      'ingest',
      {
        total: report.fmtInt(TOTAL),
        bodyChars: work.bodyChars,
        batches: TOTAL / BATCH,
        batch: report.fmtInt(BATCH),
        edits: work.changed.edits,
        flips: work.changed.flips,
        rounds: ROUNDS,
        profiled: results.some((r) => r.profile),
      },
      tables(results),
    ),
  };
}
