import { benchDatabaseUrl, postgresVersion } from '../testkit/db-targets';
import { normalised } from '../testkit/events';
import { benchEvents, batches as inBatches } from '../testkit/generated-events';
import { codeVersion } from '../testkit/machine';
import { median } from '../testkit/stats';
import { type RawResult, rawPass, runWebhookPhase, type Sample, syntheticBodies } from '../testkit/webhook-load';
import { startWebhookReceivers } from '../testkit/webhook-receivers';
import { log } from './measure';
import { type CpuProfile, profiled, whereTimeGoes } from './profile';
import * as report from './report';

const [CHANGES, BATCH, ENDPOINTS, SLOW_MS] = [10_000, 1_000, 5, 2_000]; // the last endpoint is slow
const HEALTHY = ENDPOINTS - 1;
/** The dispatcher's limits per instance (src/alerts/webhooks/delivery-loop.ts); the raw pass posts as many at a time per endpoint. */
const RUNNING_PER_ENDPOINT = 4;
const [GOAL_RATIO, GOAL_P99_MS] = [0.5, 2_000];
const CAP_MS = Number(process.env.BENCH_WEBHOOK_CAP_S || 15) * 1000;
const PHASES = (process.env.BENCH_WEBHOOK_PHASES ?? 'A,B,C,D').split(',').map((s) => s.trim().toUpperCase());
const rawOptions = { perEndpoint: RUNNING_PER_ENDPOINT, ms: 5_000, healthy: HEALTHY };
const TITLES = {
  A: 'A: app wiring (pump kicked after each batch, 1 instance)',
  B: 'B: 2 instances, woken only by NOTIFY (each pump LISTENs; no kick)',
  C: 'C: reference, A without the slow endpoint (disabled)',
  D: 'D: A with half the healthy endpoints signing v1a (Ed25519) beside v1',
};

/** A phase's counts, shown as they are. */
const COUNTS = ['fanned', 'pending', 'troubled', 'requests', 'connections', 'verified', 'unverified', 'duplicates'] as const;
const first200 = (bodies: readonly string[]) => bodies.slice(0, 200);
const fmtSample = (s: Sample | undefined) => (s === undefined ? 'n/a' : `${s.censored ? '> ' : ''}${report.fmtInt(s.ms)} ms`);
type Phase = Awaited<ReturnType<typeof runWebhookPhase>>;

const goals = (p: Phase, raw: number) => ({
  ratio: report.atLeast(p.rate / raw, GOAL_RATIO),
  p99: {
    value: p.commit.p99?.ms ?? Number.NaN,
    also: p.commit.p99?.censored === false,
    op: '<',
    target: GOAL_P99_MS,
    show: (n) => `${n / 1000} s`,
  } satisfies report.Goal,
});

/** What the run shows, as data for bench/text/webhooks.md (each reading only when the run shows it). */
function findings(phases: readonly Phase[], raw: number) {
  const s = (ms: number | undefined, none: string) => (ms === undefined ? none : (ms / 1000).toFixed(1));
  const keys = (ps: readonly Phase[]) => ps.map((p) => `phase ${p.key}`).join(', ');
  const behind = keys(phases.filter((p) => p.fanned < CHANGES));
  const all = phases.filter((p) => p.requests > 0);
  const lower = (BATCH * HEALTHY) / raw;
  return {
    phases: phases.map((p) => ({
      ...p,
      ...Object.fromEntries(COUNTS.map((k) => [k, report.fmtInt(p[k])])),
      batchesFanned: Math.round(p.fanned / BATCH),
      batches: p.marks.length,
      firsts: p.perBatchFirst.map((ms) => s(ms, 'none')).join(', '),
      lasts: p.perBatchLast.map((ms) => s(ms, 'not all')).join(', '),
      slow: p.key !== 'C' && { instances: p.key === 'B' ? '2 x ' : '' },
      leasedSlow: p.leasedSlowAvg.toFixed(1),
      leasedHealthy: p.leasedHealthyAvg.toFixed(1),
      statements: p.perAttempt
        .filter(([, v]) => v >= 0.01)
        .map(([k, v, ms]) => `${k} ${v.toFixed(2)} (${ms.toFixed(1)} ms)`)
        .join(', '),
      ingestMs: report.fmtInt(median(p.marks.map((m) => m.ingestMs))),
      elu: Math.round(p.elu * 100),
      stopMs: report.fmtInt(p.stopMs),
      holds: p.slowPendingMax <= RUNNING_PER_ENDPOINT * (p.key === 'B' ? 2 : 1) ? 'kept to its own slots' : 'exceeded its limit',
    })),
    behind,
    keptUp: behind === '' && phases.length > 0,
    burst: raw > 0 && { lastS: lower.toFixed(1), p99S: (0.99 * lower).toFixed(1), outOfReach: 0.99 * lower >= GOAL_P99_MS / 1000 },
    noReuse: all.length > 0 && all.every((p) => p.connections >= 0.95 * p.requests) && keys(all),
    cpuBound: keys(phases.filter((p) => p.elu >= 0.85)),
  };
}

export async function run(): Promise<report.BenchResult> {
  const url = benchDatabaseUrl();
  const code = codeVersion();
  log(
    `webhooks bench (${code}): ${report.fmtInt(CHANGES)} changes x ${ENDPOINTS} endpoints (1 slow), phases ${PHASES.join(', ')}, cap ${CAP_MS / 1000} s`,
  );
  const batches = inBatches(benchEvents(CHANGES, 20_250_707), BATCH).map((b) => b.map(normalised));
  const receivers = await startWebhookReceivers(Array.from({ length: ENDPOINTS }, (_, i) => (i === ENDPOINTS - 1 ? SLOW_MS : 0)));
  const raws: RawResult[] = [];
  const phases: Phase[] = [];
  let profile: CpuProfile | undefined;
  let intervalMs: number;
  try {
    const synthetic = syntheticBodies(batches, HEALTHY);
    const pass = (label: string, bodies: readonly string[][]) => rawPass(label, receivers, bodies, rawOptions);
    await pass('warm-up', synthetic.map(first200)).catch(() => undefined);
    raws.push(await pass('raw 1: before A (bodies from changeBody, same events)', synthetic));
    // One batch per interval: 4,000 healthy deliveries / (0.5 x the first raw rate), clamped to 2-5 s.
    intervalMs = Math.round(Math.min(5_000, Math.max(2_000, ((BATCH * HEALTHY) / (GOAL_RATIO * raws[0]!.rate)) * 1000)));
    log(`  ${raws[0]!.label}: ${report.fmtInt(raws[0]!.rate)} POSTs/s; pacing one batch every ${intervalMs} ms`);
    for (const key of (['A', 'B', 'C', 'D'] as const).filter((k) => PHASES.includes(k))) {
      const phase = () => runWebhookPhase(key, { url, receivers, batches, intervalMs, endpoints: ENDPOINTS, capMs: CAP_MS });
      // The reference phase (no goal) runs under the CPU profiler: where the app's time goes.
      let p: Phase;
      if (key === 'C') ({ result: p, profile } = await profiled(phase));
      else p = await phase();
      phases.push(p);
      log(
        `  phase ${key}: healthy ${report.fmtInt(p.delivered)}, ${report.fmtInt(p.rate)}/s, p99 ${fmtSample(p.commit.p99)}; slow ${p.slowDelivered}`,
      );
      const bodies = p.bodies.every((l) => l.length > 0) ? p.bodies : synthetic;
      const label = `raw ${raws.length + 1}: after ${key} (the payloads ${key} queued${bodies === synthetic ? '; none: changeBody ones' : ''})`;
      raws.push(await pass(label, bodies));
      log(`  ${label}: ${report.fmtInt(raws.at(-1)!.rate)} POSTs/s`);
    }
  } finally {
    await receivers.close();
  }
  const raw = median(raws.map((r) => r.rate));
  return {
    section: 'Webhooks (issue 7)',
    command: 'npm run bench -- webhooks        # BENCH_WEBHOOK_PHASES=A BENCH_WEBHOOK_CAP_S=5 for a quick pass (no file written)',
    prefix: `Code: ${code}. `,
    machine: { PostgreSQL: await postgresVersion(url) },
    write: report.writeUnless(
      Boolean(process.env.BENCH_WEBHOOK_CAP_S) || PHASES.join() !== 'A,B,C,D',
      'BENCH_WEBHOOK_CAP_S or BENCH_WEBHOOK_PHASES',
    ),
    body: report.writeUp(
      'webhooks',
      {
        changes: report.fmtInt(CHANGES),
        batches: CHANGES / BATCH,
        batch: report.fmtInt(BATCH),
        endpoints: ENDPOINTS,
        healthyDeliveries: report.fmtInt(CHANGES * HEALTHY),
        slowS: SLOW_MS / 1000,
        intervalS: (intervalMs / 1000).toFixed(2),
        offered: report.fmtInt((BATCH * HEALTHY * 1000) / intervalMs),
        capS: CAP_MS / 1000,
        rawPerEndpoint: RUNNING_PER_ENDPOINT,
        rawS: rawOptions.ms / 1000,
        raw: report.fmtInt(raw),
        ...findings(phases, raw),
        profiled: profile !== undefined,
      },
      {
        raw: report.recordTable(raws, {
          'raw pass': (r) => r.label,
          '>bodies (avg bytes)': (r) => `${report.fmtInt(r.bodies)} (${report.fmtInt(r.bodyBytes)})`,
          '>POSTs': (r) => report.fmtInt(r.posts),
          '>POSTs/s': (r) => report.fmtInt(r.rate),
          '>new connections': (r) => report.fmtInt(r.connections),
        }),
        phases: report.recordTable(phases, {
          phase: (p) => TITLES[p.key],
          '>healthy delivered in window': (p) =>
            `${report.fmtInt(p.delivered)} / ${report.fmtInt(CHANGES * HEALTHY)} in ${(p.windowMs / 1000).toFixed(1)} s`,
          '>deliveries/s (healthy, busy time)': (p) => report.fmtInt(p.rate),
          '>vs raw': (p) => report.fmtRatio(p.rate / raw),
          '>p50 commit→arrival': (p) => fmtSample(p.commit.p50),
          '>p99 commit→arrival': (p) => fmtSample(p.commit.p99),
          '>p50 / p99 detected_at→arrival': (p) => `${fmtSample(p.detected.p50)} / ${fmtSample(p.detected.p99)}`,
          '>slow: delivered, requests held (avg / max)': (p) =>
            p.key === 'C' ? 'disabled' : `${report.fmtInt(p.slowDelivered)}, ${p.slowPendingAvg.toFixed(1)} / ${p.slowPendingMax}`,
          goals: (p) => {
            const text = `${report.goalCell(goals(p, raw).ratio, ' raw')}; p99 ${report.goalCell(goals(p, raw).p99)}`;
            return p.key === 'C' ? `(reference, no slow endpoint: ${text})` : text;
          },
        }),
        profile: whereTimeGoes(
          [{ title: 'phase C', profiles: profile ? [profile] : [], per: (phases.find((p) => p.key === 'C')?.delivered ?? 0) / 1000 }],
          'ms per 1,000 deliveries',
        ),
      },
    ),
  };
}
