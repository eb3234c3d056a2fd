import { ROWS_PER_STATEMENT } from '../src/db/events';
import { dbTargets, pgliteVersion } from '../testkit/db-targets';
import {
  type Feeds,
  KINDS,
  type Kind,
  LABELS,
  measureDetectionRound,
  NO_CHANGE_STEPS,
  profileDetectionCpu,
  type RunRecord,
  SCALE,
  STEP_FETCH,
  type TargetResult,
} from '../testkit/detection-runs';
import { editSome, generateFeedEvents } from '../testkit/generated-events';
import { rowsCell } from '../testkit/rows-written';
import { startFeedServer } from '../testkit/source-server';
import { median } from '../testkit/stats';
import { consistent, interleaved, log, spread } from './measure';
import {
  type BenchResult,
  cols,
  envNumber,
  fmtInt,
  fmtMs,
  type Goal,
  goalCell,
  goalMet,
  machineInfo,
  now,
  pct,
  recordTable,
  sectionRows,
  startRun,
  writeUnless,
  writeUp,
} from './report';

const TOTAL = envNumber('BENCH_EVENTS', 10_000);
const ROUNDS = envNumber('BENCH_ROUNDS', 5, 1);
/** Without an explicit BENCH_ROUNDS: stop after round 3 if 5 rounds would pass this (seconds). */
const BUDGET_S = process.env.BENCH_ROUNDS ? Infinity : envNumber('BENCH_BUDGET_S', 180);
const MIN_ROUNDS = Math.min(3, ROUNDS);
const GOAL_SHARE = 0.1;

/** Each round's run time over the first load of the same round (run just before it). */
const roundRatios = (r: TargetResult, kind: Kind) => r.runs[kind].map((x, i) => x.ms / r.runs.first[i]!.ms);
const timeGoal = (r: TargetResult, kind: Kind): Goal => ({
  value: median(roundRatios(r, kind)),
  op: '<',
  target: GOAL_SHARE,
  show: (n) => pct(n, n === GOAL_SHARE ? 0 : 1),
});
const rowsGoal = (r: TargetResult, kind: Kind): Goal => ({ value: Math.max(...r.runs[kind].map((x) => x.rows.total)), op: '=', target: 0 });

/** The figures the ingest bench (issue 3) wrote, read back from its BENCHMARKS.md section. */
function comparisonTable(results: readonly TargetResult[]) {
  const ingest = sectionRows('Ingest (issue 3)');
  if (ingest.rows.length === 0) return undefined;
  const ingestRate = (target: string, phase: string) => ingest.rows.find((c) => c[1] === target && c[2]?.startsWith(phase))?.[3];
  const rate = (r: TargetResult, k: Kind) => fmtInt((TOTAL / median(r.runs[k].map((x) => x.ms))) * 1000);
  const rows = results.flatMap((r) => [
    [
      r.target,
      'everything new',
      `${rate(r, 'first')} (1 x ${fmtInt(TOTAL)}, HTTP + parse included)`,
      `${ingestRate(r.target, 'ingest new') ?? 'n/a'} (20 x 1,000)`,
    ],
    [
      r.target,
      'nothing changed',
      `${rate(r, 'same200')} (200 identical: body hash matches, nothing parsed)`,
      ingestRate(r.target, 're-ingest unchanged') ?? 'n/a',
    ],
    [
      r.target,
      'a few changed',
      `${rate(r, 'changed')} (1% bodies)`,
      `${ingestRate(r.target, 're-ingest 5%') ?? 'n/a'} (5%: bodies and flags)`,
    ],
  ]);
  const columns = cols('database', 'situation', '>detection job, events/s (this run)', '>ingestEvents, events/s (issue 3 section)');
  return { columns, rows, date: ingest.date };
}

/** What the figures of this run say, for bench/text/detection.md (computed, nothing written in advance). */
function findings(results: readonly TargetResult[], steps: readonly [string, number][]) {
  const stepMs = (label: string) => steps.find(([l]) => l === label)?.[1] ?? Number.NaN;
  const fetchMs = stepMs(STEP_FETCH);
  return {
    firstLoads: results.map((r) => {
      const first = r.runs.first;
      const failed = first.filter((x) => x.problem);
      return {
        target: r.target,
        outcome: failed.length === 0 ? 'succeeded in every round' : `FAILED in ${failed.length} round(s): ${failed[0]!.problem}`,
        statements: consistent(first, (x) => String(x.statements)),
        upsertShare: pct(median(first.map((x) => (x.byStatement['insert events (upsert)'] ?? 0) / x.ms))),
      };
    }),
    noChange: results.map((r) => {
      const same = r.runs.same200;
      const sqlMs = median(same.map((x) => x.sqlMs));
      return {
        target: r.target,
        statuses: consistent(same, (x) => x.outcome?.status ?? 'n/a'),
        wall: fmtMs(median(same.map((x) => x.ms))),
        sqlMs: fmtMs(sqlMs),
        statements: consistent(same, (x) => String(x.statements)),
        larger: fetchMs > sqlMs ? 'the body transfer, not SQL,' : 'SQL, not the body transfer,',
        extra: fmtMs(median(same.map((x, i) => x.ms - r.runs.same304[i]!.ms))),
      };
    }),
    fetchMs: fmtMs(fetchMs),
    newBodyMs: fmtInt(steps.filter(([l]) => !l.startsWith(SCALE) && !NO_CHANGE_STEPS.has(l)).reduce((a, [, ms]) => a + ms, 0)),
    paramsPerStatement: fmtInt(ROWS_PER_STATEMENT * 14),
  };
}

function tables(results: readonly TargetResult[], steps: readonly [string, number][], feedMb: number) {
  const lines = results.flatMap((r) => KINDS.map((kind) => ({ r, kind, x: r.runs[kind] })));
  const ms = (x: readonly RunRecord[]) => x.map((y) => y.ms);
  const runs = recordTable(lines, {
    database: ({ r }) => r.target,
    run: ({ kind }) => LABELS[kind],
    HTTP: ({ x }) => consistent(x, (y) => y.http.map((h) => h.status).join(',') || 'none'),
    '>wall ms (median)': ({ x }) => fmtMs(median(ms(x))),
    '>rounds (min-max ms)': ({ x }) => spread(ms(x), fmtMs),
    '>events/s': ({ kind, x }) => (kind === 'same304' ? '' : fmtInt((TOTAL / median(ms(x))) * 1000)),
    '>SQL ms (statements)': ({ x }) => `${fmtMs(median(x.map((y) => y.sqlMs)))} (${consistent(x, (y) => String(y.statements))})`,
    'outcome (new / updated / unchanged)': ({ x }) => {
      const problems = [...new Set(x.map((y) => y.problem).filter(Boolean))];
      if (problems.length) return `PROBLEM: ${problems.join(' | ')}`;
      return consistent(x, ({ outcome: o }) =>
        o?.status === 'changed'
          ? [o.published, o.updated, o.unchanged].map((n) => fmtInt(n ?? Number.NaN)).join(' / ')
          : (o?.status ?? 'n/a'),
      );
    },
    '>rows written (events + changes)': ({ x }) => consistent(x, (y) => rowsCell(y.rows)),
    'run bookkeeping rows': ({ x }) => consistent(x, (y) => `${y.rows.detectionRuns} run + ${y.rows.sourceStates} source state`),
    '>vs first load (median of per-round ratios)': ({ r, kind }) => (kind === 'first' ? '100%' : pct(timeGoal(r, kind).value)),
    goal: ({ r, kind }) =>
      kind === 'same200' || kind === 'same304'
        ? `${goalCell(timeGoal(r, kind))}; 0 rows: ${goalMet(rowsGoal(r, kind)) ? 'met' : 'NOT met'}`
        : '',
  });
  const pipeline = steps.filter(([l]) => !l.startsWith(SCALE));
  const sum = (list: typeof steps) => list.reduce((a, [, ms]) => a + ms, 0).toFixed(1);
  const stepTable = {
    columns: cols(`step (${feedMb.toFixed(1)} MiB feed, ${fmtInt(TOTAL)} events)`, 'no-change 200', '>ms'),
    rows: [
      ...steps.map(([l, ms]) => [l, l.startsWith(SCALE) ? '' : NO_CHANGE_STEPS.has(l) ? 'yes' : 'no (skipped)', ms.toFixed(1)]),
      ['sum: a no-change 200 run', '', sum(pipeline.filter(([l]) => NO_CHANGE_STEPS.has(l)))],
      ['sum: a 200 with a new body (without the "for scale" row)', '', sum(pipeline)],
    ],
  };
  const kinds: Kind[] = ['first', 'same200', 'changed'];
  const labels = [...new Set(results.flatMap((r) => kinds.flatMap((k) => r.runs[k].flatMap((x) => Object.keys(x.byStatement)))))].sort();
  const statements = {
    columns: cols(
      'SQL statement (ms, median of rounds)',
      ...results.flatMap((r) => kinds.map((k) => `>${r.target}: ${LABELS[k].replace(/ \(.*\)$/, '')}`)),
    ),
    rows: labels.map((label) => [
      label,
      ...results
        .flatMap((r) => kinds.map((k) => median(r.runs[k].map((x) => x.byStatement[label] ?? 0))))
        .map((m) => (m === 0 ? '' : fmtMs(m))),
    ]),
  };
  return { runs, steps: stepTable, statements };
}

export async function run(): Promise<BenchResult> {
  const clock = startRun();
  const generated = generateFeedEvents(TOTAL);
  const edited = editSome(generated);
  const feeds: Feeds = {
    base: Buffer.from(JSON.stringify({ events: generated })),
    changed: Buffer.from(JSON.stringify({ events: edited.events })),
    edited: edited.changed,
    total: TOTAL,
  };
  const countries = new Set(generated.map((e) => e.country)).size;
  const bodyLengths = generated.map((e) => e.body?.length ?? 0);
  const feedMb = feeds.base.length / 2 ** 20;
  log(
    `detection bench: ${fmtInt(TOTAL)} events, ${countries} countries, feed ${feedMb.toFixed(1)} MiB, up to ${ROUNDS} rounds per database`,
  );
  const server = await startFeedServer();
  const cpu = new Map<string, number[]>();
  const { targets, postgresVersion } = await dbTargets('bench_detection', 'postgres,pglite-memory', log);
  const results: TargetResult[] = targets.map((t) => ({ target: t.name, runs: { first: [], same200: [], same304: [], changed: [] } }));
  const roundSeconds: number[] = [];
  let roundStart = now();
  let rounds: number;
  try {
    await profileDetectionCpu(server, feeds, new Map()); // warms the JIT on the CPU path; these samples are dropped
    // After each round, one CPU profile pass; after MIN_ROUNDS, stop if the rest (at the median round time) would pass BUDGET_S.
    const stopAfter = (round: number) => {
      roundSeconds.push((now() - roundStart) / 1000);
      roundStart = now();
      const projected = clock.elapsedS() + (ROUNDS - round) * median(roundSeconds);
      const stop = round === MIN_ROUNDS && ROUNDS > MIN_ROUNDS && projected > BUDGET_S;
      if (stop) log(`  stopping after ${round} rounds: ${ROUNDS} would take ~${projected.toFixed(0)} s (budget ${BUDGET_S} s)`);
      return stop;
    };
    rounds = await interleaved(
      ROUNDS,
      targets,
      async (target, round, i) => {
        await measureDetectionRound(target, round, results[i]!, server, feeds);
        if (i === (round % 2 ? targets.length - 1 : 0)) await profileDetectionCpu(server, feeds, cpu);
      },
      stopAfter,
    );
  } finally {
    for (const target of targets) await target.finish();
    await server.close();
  }
  const steps = [...cpu].map(([label, ms]) => [label, median(ms)] as [string, number]);
  const comparison = comparisonTable(results);
  const goals = results.flatMap((r) =>
    (['same200', 'same304'] as const).map((kind) => {
      const [time, rows] = [timeGoal(r, kind), rowsGoal(r, kind)];
      const clean = [...r.runs[kind], ...r.runs.first].every((x) => !x.problem);
      return {
        target: r.target,
        label: LABELS[kind],
        share: pct(time.value),
        timeMet: goalMet(time) ? 'met' : 'not met',
        perRound: roundRatios(r, kind)
          .map((x) => pct(x))
          .join(', '),
        rows: rows.value,
        rowsMet: goalMet(rows) ? 'met' : 'not met',
        problem: !clean,
      };
    }),
  );
  return {
    section: 'Detection (issue 4)',
    command: 'npm run bench -- detection        # BENCH_EVENTS=1000 BENCH_ROUNDS=1 for a quick pass (no file written)',
    machine: machineInfo({
      PostgreSQL: postgresVersion,
      PGlite: targets.find((t) => t.name.startsWith('PGlite'))?.version ?? pgliteVersion(),
    }),
    run: clock.finish(),
    write: writeUnless(TOTAL !== 10_000, 'BENCH_EVENTS'),
    blocks: writeUp(
      'detection',
      {
        feedMb: feedMb.toFixed(1),
        total: fmtInt(TOTAL),
        countries,
        perCountry: Math.round(TOTAL / countries),
        bodyChars: spread(bodyLengths, String),
        rounds,
        stoppedEarly: rounds < ROUNDS,
        maxRounds: ROUNDS,
        budgetS: BUDGET_S,
        goals,
        samples: cpu.values().next().value?.length ?? 0,
        findings: findings(results, steps),
        rowsPerStatement: fmtInt(ROWS_PER_STATEMENT),
        comparison: comparison && { date: comparison.date },
      },
      { ...tables(results, steps, feedMb), ...(comparison && { comparison }) },
    ),
  };
}
