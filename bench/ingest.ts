/**
 * Issue 3 benchmark: ingest 20,000 events (20 batches of 1,000) through the real code path
 * `ingestEvents(deps, events.map(normaliseEvent))` (zod validation + normalisation included
 * in the timing), then re-ingest them unchanged, then with 5% changed; and, in the same run,
 * the raw rate of a plain batched multi-row INSERT of the same rows into a scratch table with
 * the columns and indexes of `events`. Rounds interleave ours and raw; medians are reported
 * (workload and findings: bench/text/ingest.md).
 *
 *   npm run bench -- ingest
 *
 * Environment: BENCH_DATABASE_URL (PostgreSQL; default the local tracker_bench database),
 * BENCH_ROUNDS (default 3), BENCH_TARGETS (comma list of postgres,pglite-memory,pglite-disk),
 * BENCH_PROFILE (default 1: add the time breakdown of one extra pass; 0: only when a goal is missed),
 * BENCH_WRITE (0: do not touch BENCHMARKS.md).
 */
import { sql } from 'kysely';
import { hashEvents } from '../src/alerts/detect';
import { type EventInput, eventInputSchema, normaliseEvent } from '../src/alerts/event';
import { type IngestDeps, ingestEvents } from '../src/alerts/ingest';
import { systemClock } from '../src/clock';
import type { NormalisedEvent } from '../src/db/event-fields';
import { createMetrics } from '../src/metrics';
import { type DbTarget, dbTargets, pgliteVersion } from '../testkit/db-targets';
import { batches, benchEvents, changeSome } from '../testkit/generated-events';
import { rawRows, runRaw } from '../testkit/raw-events-insert';
import { type RowsWritten, rowsCell, rowsWrittenSince, snapshotRows } from '../testkit/rows-written';
import { type StatementShape, statementTimer } from '../testkit/statement-timer';
import { median } from '../testkit/stats';
import { type BenchResult, cols, fmtInt, fmtRatio, machineInfo, met, now, startRun, type Table, writeUnless, writeUp } from './report';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = 1_000;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const GOAL_NEW_VS_RAW = 0.5;
const GOAL_UNCHANGED_VS_NEW = 2;

type Phase = 'new' | 'unchanged' | 'changed';

async function ingestPhase(deps: IngestDeps, inputBatches: readonly EventInput[][]) {
  const before = await snapshotRows(deps.db);
  const counts = { published: 0, updated: 0, unchanged: 0, changes: 0 };
  const t0 = now();
  for (const batch of inputBatches) {
    const result = await ingestEvents(
      deps,
      batch.map((e) => normaliseEvent(eventInputSchema.parse(e))),
    );
    counts.published += result.published;
    counts.updated += result.updated;
    counts.unchanged += result.unchanged;
    counts.changes += result.changes;
  }
  const ms = now() - t0;
  return { ms, counts, rows: await rowsWrittenSince(deps.db, before) };
}

interface TargetResult {
  target: string;
  version: string;
  ms: Record<Phase | 'raw', number[]>;
  rows: Partial<Record<Phase | 'raw', RowsWritten>>;
  counts: Partial<Record<Phase, { published: number; updated: number; unchanged: number; changes: number }>>;
  rowsConsistent: boolean;
  profile?: Profile;
}

interface Workload {
  inputs: EventInput[][];
  changedInputs: EventInput[][];
  rawRowBatches: unknown[][][];
}

async function measureTarget(target: DbTarget, work: Workload, log: (line: string) => void): Promise<TargetResult> {
  const result: TargetResult = {
    target: target.name,
    version: target.version,
    ms: { raw: [], new: [], unchanged: [], changed: [] },
    rows: {},
    counts: {},
    rowsConsistent: true,
  };
  const keepRows = (phase: Phase | 'raw', rows: RowsWritten) => {
    const seen = result.rows[phase];
    if (seen && JSON.stringify(seen) !== JSON.stringify(rows)) result.rowsConsistent = false;
    result.rows[phase] = rows;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    const fresh = await target.fresh(round);
    try {
      const deps: IngestDeps = { db: fresh.handle.db, clock: systemClock, metrics: createMetrics() };
      await sql`select 1`.execute(deps.db); // connection warm
      const ours = async () => {
        for (const [phase, inputs] of [
          ['new', work.inputs],
          ['unchanged', work.inputs],
          ['changed', work.changedInputs],
        ] as const) {
          const r = await ingestPhase(deps, inputs);
          result.ms[phase].push(r.ms);
          result.counts[phase] = r.counts;
          keepRows(phase, r.rows);
        }
      };
      const raw = async () => {
        const r = await runRaw(deps.db, work.rawRowBatches);
        result.ms.raw.push(r.ms);
        keepRows('raw', { eventsInserted: r.rows, eventsUpdated: 0, changesAppended: 0, total: r.rows, detectionRuns: 0, sourceStates: 0 });
      };
      if (round % 2) {
        await raw();
        await ours();
      } else {
        await ours();
        await raw();
      }
      const rate = (phase: Phase | 'raw') => fmtInt((TOTAL / result.ms[phase].at(-1)!) * 1000);
      log(
        `  ${target.name} round ${round}/${ROUNDS}: raw ${rate('raw')}/s, new ${rate('new')}/s, ` +
          `unchanged ${rate('unchanged')}/s, 5% changed ${rate('changed')}/s`,
      );
    } finally {
      await fresh.dispose();
    }
  }
  result.version = target.version; // known once a database was opened
  return result;
}

interface Profile {
  perBatchMs: Record<string, number>;
}

/** Labels as the profile table shows them. */
const ingestLabel = ({ kind, table, upsert, selections }: StatementShape): string => {
  if (kind === 'InsertQueryNode') return `SQL insert ${table ?? '?'}${upsert ? ' (upsert)' : ''}`;
  if (kind === 'SelectQueryNode' && table === 'events') return selections <= 2 ? 'SQL select hashes' : 'SQL select full rows';
  if (kind === 'SelectQueryNode') return `SQL select ${table ?? '(raw)'}`;
  return kind === 'RawNode' ? 'SQL advisory lock' : `SQL ${kind}`;
};

async function profileTarget(target: DbTarget, work: Workload): Promise<Profile> {
  const nBatches = work.inputs.length;
  const perBatch: Record<string, number> = {};
  const add = (label: string, ms: number) => (perBatch[label] = (perBatch[label] ?? 0) + ms / nBatches);

  const all = work.inputs.flat();
  const cpu = <T>(label: string, step: () => T): T => {
    const times: number[] = [];
    let out!: T;
    for (let i = 0; i < 3; i++) {
      const t = now();
      out = step();
      times.push(now() - t);
    }
    add(label, median(times));
    return out;
  };
  const parsed = cpu('CPU zod validation (eventInputSchema.parse)', () => all.map((e) => eventInputSchema.parse(e)));
  const normalised = cpu('CPU normaliseEvent', () => parsed.map(normaliseEvent));
  cpu('CPU content hash (hashEvents)', () => hashEvents(normalised));

  const fresh = await target.fresh(99);
  try {
    const timer = statementTimer(ingestLabel);
    const db = fresh.handle.db.withPlugin(timer.plugin);
    const deps: IngestDeps = { db, clock: systemClock, metrics: createMetrics() };
    await sql`select 1`.execute(fresh.handle.db);
    for (const phase of ['new', 'unchanged'] as const) {
      timer.totals.clear();
      const pre = normalisedBatches(work.inputs);
      const t0 = now();
      for (const batch of pre) await ingestEvents(deps, batch);
      const total = now() - t0;
      let sqlTotal = 0;
      for (const [label, { ms }] of timer.totals) {
        add(`${phase}: ${label}`, ms);
        sqlTotal += ms;
      }
      add(`${phase}: ingestEvents total (without parse/normalise)`, total);
      add(`${phase}: rest (hash, detect, BEGIN/COMMIT, pool, metrics)`, total - sqlTotal);
    }
  } finally {
    await fresh.dispose();
  }
  return { perBatchMs: perBatch };
}

function normalisedBatches(inputs: readonly EventInput[][]): NormalisedEvent[][] {
  return inputs.map((batch) => batch.map((e) => normaliseEvent(eventInputSchema.parse(e))));
}

const columns = cols('database', 'phase', '>events/s (median)', '>rounds (min-max events/s)', '>rows written', '>ratio', 'goal');

interface Verdicts {
  newVsRaw: number;
  unchangedVsNew: number;
  newOk: boolean;
  unchangedOk: boolean;
  zeroRowsOk: boolean;
}

function verdicts(r: TargetResult): Verdicts {
  const rate = (phase: Phase | 'raw') => (TOTAL / median(r.ms[phase])) * 1000;
  const newVsRaw = rate('new') / rate('raw');
  const unchangedVsNew = rate('unchanged') / rate('new');
  return {
    newVsRaw,
    unchangedVsNew,
    newOk: newVsRaw >= GOAL_NEW_VS_RAW,
    unchangedOk: unchangedVsNew >= GOAL_UNCHANGED_VS_NEW,
    zeroRowsOk: r.rows.unchanged?.total === 0,
  };
}

function mainTable(results: readonly TargetResult[]): Table {
  const out: string[][] = [];
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  for (const r of results) {
    const v = verdicts(r);
    const rate = (phase: Phase | 'raw') => (TOTAL / median(r.ms[phase])) * 1000;
    const spread = (phase: Phase | 'raw') => {
      const rates = r.ms[phase].map((ms) => (TOTAL / ms) * 1000);
      return `${fmtInt(Math.min(...rates))}-${fmtInt(Math.max(...rates))}`;
    };
    out.push([r.target, 'raw multi-row INSERT (scratch table)', fmtInt(rate('raw')), spread('raw'), rowsCell(r.rows.raw), '1.00x', '']);
    out.push([
      r.target,
      `ingest new (${TOTAL / BATCH} x ${fmtInt(BATCH)})`,
      fmtInt(rate('new')),
      spread('new'),
      rowsCell(r.rows.new),
      `${fmtRatio(v.newVsRaw)} of raw`,
      `>= ${GOAL_NEW_VS_RAW}x raw: ${mark(v.newOk)}`,
    ]);
    out.push([
      r.target,
      're-ingest unchanged',
      fmtInt(rate('unchanged')),
      spread('unchanged'),
      rowsCell(r.rows.unchanged),
      `${fmtRatio(v.unchangedVsNew)} of new`,
      `>= ${GOAL_UNCHANGED_VS_NEW}x new: ${mark(v.unchangedOk)}; 0 rows: ${mark(v.zeroRowsOk)}`,
    ]);
    out.push([
      r.target,
      're-ingest 5% changed',
      fmtInt(rate('changed')),
      spread('changed'),
      rowsCell(r.rows.changed),
      `${fmtRatio(rate('changed') / rate('new'))} of new`,
      '',
    ]);
  }
  return { columns, rows: out };
}

/** Plain-language reading of the profile: which phase is bound by what. */
function profileFindings(results: readonly TargetResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const p = r.profile?.perBatchMs;
    if (!p) continue;
    const sum = (prefix: string) =>
      Object.entries(p)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((a, [, v]) => a + v, 0);
    const cpuFront = (p['CPU zod validation (eventInputSchema.parse)'] ?? 0) + (p['CPU normaliseEvent'] ?? 0);
    const hash = p['CPU content hash (hashEvents)'] ?? 0;
    const newTotal = (p['new: ingestEvents total (without parse/normalise)'] ?? 0) + cpuFront;
    const newSql = sum('new: SQL');
    const unchangedTotal = (p['unchanged: ingestEvents total (without parse/normalise)'] ?? 0) + cpuFront;
    const unchangedSql = sum('unchanged: SQL');
    const pct = (a: number, b: number) => `${Math.round((100 * a) / b)}%`;
    lines.push(
      `- ${r.target}: new-event batch ~${newTotal.toFixed(0)} ms, of which SQL statements ${pct(newSql, newTotal)} ` +
        `(the events upsert alone ${pct(p['new: SQL insert events (upsert)'] ?? 0, newTotal)}); unchanged batch ` +
        `~${unchangedTotal.toFixed(0)} ms, of which SQL ${pct(unchangedSql, unchangedTotal)} and CPU ` +
        `(validation + normalisation + content hash, ~${(cpuFront + hash).toFixed(0)} ms) ` +
        `${pct(Math.min(cpuFront + hash, unchangedTotal), unchangedTotal)}.`,
    );
  }
  return lines;
}

function profileTable(results: readonly TargetResult[]): Table | undefined {
  const profiled = results.filter((r) => r.profile);
  if (profiled.length === 0) return undefined;
  const labels = [...new Set(profiled.flatMap((r) => Object.keys(r.profile!.perBatchMs)))];
  return {
    columns: cols('step (ms per 1,000-event batch)', ...profiled.map((r) => `>${r.target}`)),
    rows: labels.map((label) => [
      label,
      ...profiled.map((r) => {
        const v = r.profile!.perBatchMs[label];
        return v === undefined ? '' : v.toFixed(1);
      }),
    ]),
  };
}

/** The events, their 5%-changed copy and the raw rows, batched; the data line for the log. */
function workload(log: (line: string) => void) {
  const generated = benchEvents(TOTAL);
  const changed = changeSome(generated);
  const bodyLengths = generated.map((e) => e.body?.length ?? 0);
  log(
    `  data: bodies ${Math.min(...bodyLengths)}-${Math.max(...bodyLengths)} chars (median ${median(bodyLengths)}), ` +
      `${changed.changed} changed (${changed.edits} body edits, ${changed.flips} watch-flag flips)`,
  );
  // Warm the JIT on the CPU path so round 1 is not an outlier.
  hashEvents(normalisedBatches(batches(generated.slice(0, 2 * BATCH), BATCH)).flat());
  const work: Workload = {
    inputs: batches(generated, BATCH),
    changedInputs: batches(changed.events, BATCH),
    rawRowBatches: batches(rawRows(normalisedBatches([generated]).flat(), new Date()), BATCH),
  };
  return { work, changed, bodyChars: `${Math.min(...bodyLengths)}-${Math.max(...bodyLengths)}` };
}

/** The profile pass, on every database or only where a goal was missed (BENCH_PROFILE=0). */
async function profileWhereAsked(results: TargetResult[], targets: readonly DbTarget[], work: Workload, log: (line: string) => void) {
  for (const [i, r] of results.entries()) {
    const v = verdicts(r);
    const missed = !v.newOk || !v.unchangedOk || !v.zeroRowsOk;
    if (process.env.BENCH_PROFILE !== '0' || missed) {
      log(`  profiling ${r.target}${missed ? ' (a goal is not met)' : ''} ...`);
      r.profile = await profileTarget(targets[i]!, work);
      await targets[i]!.finish();
    }
  }
}

export async function run(): Promise<BenchResult> {
  const clock = startRun();
  const log = (line: string) => console.log(line);
  log(`ingest bench: ${fmtInt(TOTAL)} events in batches of ${fmtInt(BATCH)}, ${ROUNDS} rounds per database`);
  const { work, changed, bodyChars } = workload(log);
  const { targets, postgresVersion } = await dbTargets('bench_ingest', 'postgres,pglite-memory,pglite-disk', log);
  const results: TargetResult[] = [];
  for (const target of targets) {
    try {
      results.push(await measureTarget(target, work, log));
    } finally {
      await target.finish();
    }
  }
  await profileWhereAsked(results, targets, work, log);
  for (const r of results) {
    if (!r.rowsConsistent) log(`  WARNING: ${r.target}: rows written differed between rounds`);
    const c = r.counts;
    log(
      `  ${r.target}: outcomes new=${JSON.stringify(c.new)} unchanged=${JSON.stringify(c.unchanged)} changed=${JSON.stringify(c.changed)}`,
    );
  }
  const profile = profileTable(results);
  for (const line of profileFindings(results)) log(`  ${line}`);
  return {
    section: 'Ingest (issue 3)',
    command: 'npm run bench -- ingest        # BENCH_EVENTS=2000 BENCH_ROUNDS=1 for a quick pass (no file written)',
    machine: machineInfo({
      PostgreSQL: postgresVersion,
      PGlite: results.find((r) => r.target.startsWith('PGlite'))?.version ?? pgliteVersion(),
    }),
    run: clock.finish(),
    write: writeUnless(TOTAL !== 20_000, 'BENCH_EVENTS'),
    blocks: writeUp(
      'ingest',
      {
        total: fmtInt(TOTAL),
        bodyChars,
        batches: TOTAL / BATCH,
        batch: fmtInt(BATCH),
        edits: changed.edits,
        flips: changed.flips,
        rounds: ROUNDS,
        goalNewVsRaw: GOAL_NEW_VS_RAW,
        goalUnchangedVsNew: GOAL_UNCHANGED_VS_NEW,
        goals: results.map((r) => {
          const v = verdicts(r);
          return {
            target: r.target,
            newVsRaw: fmtRatio(v.newVsRaw),
            newMet: met(v.newOk),
            unchangedVsNew: fmtRatio(v.unchangedVsNew),
            unchangedMet: met(v.unchangedOk),
            rowsWritten: r.rows.unchanged?.total ?? 'n/a',
            zeroRowsMet: met(v.zeroRowsOk),
          };
        }),
        profiled: profile !== undefined,
        findings: profileFindings(results),
      },
      { rates: mainTable(results), ...(profile && { profile }) },
    ),
  };
}
