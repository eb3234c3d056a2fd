/**
 * Issue 5: the subscriber endpoints of the real app on PostgreSQL under HTTP load from a second
 * process (autocannon, testkit/subscriber-load.ts): full load beside the durable-INSERT limit, then
 * 200 requests/s in bursts and evenly spaced, sign-ups again through Resend, and once more under
 * the CPU profiler (setup and findings: bench/text/subscriptions.md).
 */
import { createRequire } from 'node:module';
import { NOTICE_GATHER_MS } from '../src/subscribers/notices';
import { adminQueryAt, benchDatabaseUrl, postgresVersion } from '../testkit/db-targets';
import { startFakeResendProcess } from '../testkit/fake-resend-process';
import { cpuTimes, machineInfo } from '../testkit/machine';
import { type AppUnderTest, countEml, sanityCheck, seedManagedSubscribers, startApp } from '../testkit/subscriber-app';
import {
  DURABLE_INSERT_PATH,
  type LoadContext,
  type LoadSummary,
  type Measured,
  measureLoad,
  type Scenario,
  startLoadGenerator,
  stateAfter,
} from '../testkit/subscriber-load';
import { cpuMsSince, inTempDir, log } from './measure';
import { type CpuProfile, profiled, whereTimeGoes } from './profile';
import * as report from './report';

const SECONDS = report.envNumber('BENCH_SECONDS', 10, 1);
const [CONNECTIONS, RATE, PACED_MAX, MANAGED] = [10, 200, 64, 1_000];
const [GOAL_VS_HEALTHZ, GOAL_VS_DURABLE, GOAL_P99_MS] = [0.3, 0.5, 50];
const LABELS: Record<Scenario, string> = {
  durable: `POST ${DURABLE_INSERT_PATH} (durable INSERT limit)`,
  healthz: 'GET /healthz',
  signup: 'POST /v1/subscriptions',
  preferences: 'PUT /v1/preferences?token=',
};
type Phase = Measured['phase'];
const PHASES: Record<Phase, [string, string]> = {
  full: [`full load: ${CONNECTIONS} connections, ${SECONDS} s`, 'full load'],
  burst: [`${RATE}/s, autocannon overallRate: ${CONNECTIONS} connections x ${RATE / CONNECTIONS}/s, ${SECONDS} s`, `${RATE}/s in bursts`],
  paced: [`${RATE}/s evenly spaced: one every ${1000 / RATE} ms, up to ${PACED_MAX} connections, ${SECONDS} s`, `${RATE}/s evenly spaced`],
};

const rps = (m: LoadSummary) => m.total / m.seconds;
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : n.toFixed(0)) : 'n/a');
const labelOf = (m: Pick<Measured, 'scenario' | 'transport'>) => `${LABELS[m.scenario]}${m.transport === 'resend' ? ' via Resend' : ''}`;
const statusCounts = (m: Measured) =>
  Object.entries(m.statusCodes)
    .map(([code, n]) => `${code}: ${report.fmtInt(n)}`)
    .join(', ');
const cpuTotal = (m: Measured) => m.cpu.app + m.cpu.postgres + m.cpu.load + (m.cpu.resend ?? 0);

/** One run of one endpoint at a phase's load (see PHASES), its CPU measured by `measureLoad`. */
const measure = async (ctx: LoadContext, phase: Phase | 'warm-up', scenario: Scenario, app: AppUnderTest) => {
  const m = await measureLoad(ctx, app, {
    scenario,
    phase: phase === 'warm-up' ? 'full' : phase,
    pattern: phase === 'full' || phase === 'warm-up' ? 'closed' : phase,
    connections: phase === 'warm-up' ? 4 : phase === 'paced' ? PACED_MAX : CONNECTIONS,
    seconds: phase === 'warm-up' ? 1 : SECONDS,
    ...(phase === 'burst' || phase === 'paced' ? { rate: RATE } : {}),
  });
  log(
    `  ${phase.padEnd(8)} ${labelOf(m).padEnd(27)} ${report.fmtInt(rps(m)).padStart(6)} req/s  p99 ${ms(m.latency.p99)} ms  non-2xx ${m.non2xx} ` +
      `errors ${m.errors} timeouts ${m.timeouts}  event loop ${(m.elu * 100).toFixed(0)}%  app CPU ${m.cpu.app.toFixed(2)} ms/request`,
  );
  return m;
};

/** Goals, text and tables from the runs (bench/text/subscriptions.md). */
function writeUpView(results: readonly Measured[], profile: { profile: CpuProfile; signups: number }, after: object) {
  const find = (phase: Phase, s: Scenario, t: Measured['transport'] = 'outbox') =>
    results.find((r) => r.phase === phase && r.scenario === s && r.transport === t);
  const [healthz, signup, resendSignup] = [find('full', 'healthz')!, find('full', 'signup')!, find('full', 'signup', 'resend')!];
  const durable = find('full', 'durable');
  const vsHealthz = (r: Measured) => report.atLeast(rps(r) / rps(healthz), GOAL_VS_HEALTHZ);
  const vsDurable = (r: Measured) => report.atLeast(durable ? rps(r) / rps(durable) : Number.NaN, GOAL_VS_DURABLE);
  const p99 = (r: Measured): report.Goal => ({
    value: r.latency.p99,
    also: rps(r) >= RATE * 0.95,
    op: '<',
    target: GOAL_P99_MS,
    show: ms,
    unit: ' ms',
  });
  const putCpu = find('full', 'preferences')?.cpu.app ?? Number.NaN;
  const view = {
    gatherMs: NOTICE_GATHER_MS,
    managed: report.fmtInt(MANAGED),
    rate: RATE,
    connections: CONNECTIONS,
    perConnection: RATE / CONNECTIONS,
    spacingMs: 1000 / RATE,
    pacedMax: PACED_MAX,
    durablePath: DURABLE_INSERT_PATH,
    p99GoalMs: GOAL_P99_MS,
    profiledSignups: report.fmtInt(profile.signups),
    after,
    goalVsHealthz: GOAL_VS_HEALTHZ,
    maxFactor: (1 / GOAL_VS_HEALTHZ).toFixed(1),
    maxApp: (healthz.cpu.app / GOAL_VS_HEALTHZ).toFixed(2),
    maxAll: (cpuTotal(healthz) / GOAL_VS_HEALTHZ).toFixed(2),
    putCores: ((RATE * putCpu) / 1000).toFixed(2),
    vsHealthz: report.goalText(vsHealthz(signup)),
    resendVsHealthz: report.goalText(vsHealthz(resendSignup)),
    vsDurable: report.goalText(vsDurable(signup)),
    non2xx: report.fmtInt(results.reduce((n, r) => n + r.non2xx, 0)),
    non2xxMet: report.met(results.every((r) => r.non2xx === 0)),
    errors: report.fmtInt(results.reduce((n, r) => n + r.errors, 0)),
    timeouts: report.fmtInt(results.reduce((n, r) => n + r.timeouts, 0)),
    late: results
      .filter((r) => r.timeouts > 0)
      .map((r) => `${labelOf(r)} ${PHASES[r.phase][1]}: ${report.fmtInt(r.timeouts)}`)
      .join('; '),
  };
  const tables = {
    results: report.recordTable(results, {
      endpoint: labelOf,
      load: (r) => PHASES[r.phase][0],
      '>requests': (r) => report.fmtInt(r.total),
      '>requests/s': (r) => report.fmtInt(rps(r)),
      '>vs healthz': (r) => (r.phase === 'full' ? report.fmtRatio(rps(r) / rps(healthz)) : ''),
      '>vs durable INSERT': (r) =>
        r.phase === 'full' && durable && r.scenario !== 'healthz' ? report.fmtRatio(rps(r) / rps(durable)) : '',
      ...Object.fromEntries((['p50', 'p90', 'p99', 'max'] as const).map((p) => [`>${p} ms`, (r: Measured) => ms(r.latency[p])])),
      '>sender late p99 / max ms': (r) => (r.senderLag ? `${ms(r.senderLag.p99)} / ${ms(r.senderLag.max)}` : ''),
      '>non-2xx': (r) => (r.non2xx === 0 ? '0' : `${report.fmtInt(r.non2xx)} (${statusCounts(r)})`),
      '>errors / timeouts': (r) => `${r.errors} / ${r.timeouts}`,
      goal: (r) =>
        r.phase === 'full' && r.scenario === 'signup'
          ? `${report.goalCell(vsHealthz(r), ' healthz')}${durable ? `; ${report.goalCell(vsDurable(r), ' durable INSERT')}` : ''}`
          : r.phase !== 'full' && r.scenario !== 'healthz'
            ? `p99 ${report.goalCell(p99(r))} at ${RATE}/s`
            : '',
    }),
    emails: report.recordTable(
      results.filter((r) => r.emails),
      {
        endpoint: labelOf,
        load: (r) => PHASES[r.phase][1],
        '>answered 202 in the run': (r) => report.fmtInt(r.ok),
        '>emails handed over by its end': (r) => report.fmtInt(r.emails!.atEnd),
        '>all, and the ms after it': (r) => `${report.fmtInt(r.emails!.after)} (${report.fmtInt(r.emails!.drainMs)} ms)`,
        '>more than answered': (r) => report.fmtInt(r.emails!.after - r.ok),
      },
    ),
    app: report.recordTable(results, {
      endpoint: labelOf,
      load: (r) => PHASES[r.phase][1],
      '>app event loop busy': (r) => `${(r.elu * 100).toFixed(0)}%`,
      '>app CPU ms per request': (r) => `${r.cpu.app.toFixed(2)}${r.scenario === 'signup' ? ' (incl. its email)' : ''}`,
      '>PostgreSQL backends CPU ms per request': (r) => r.cpu.postgres.toFixed(2),
      '>load generator CPU ms per request': (r) => r.cpu.load.toFixed(2),
      '>fake Resend CPU ms per request': (r) => r.cpu.resend?.toFixed(2) ?? '',
      '>all of these, ms per request': (r) => cpuTotal(r).toFixed(2),
      '>healthz / this, by app CPU / by all': (r) =>
        r.phase === 'full' ? `${report.fmtRatio(healthz.cpu.app / r.cpu.app)} / ${report.fmtRatio(cpuTotal(healthz) / cpuTotal(r))}` : '',
    }),
    profile: whereTimeGoes(
      [{ title: 'sign-ups at full load', profiles: [profile.profile], per: profile.signups / 1000 }],
      'ms per 1,000 sign-ups',
      15,
    ),
  };
  return { view, tables };
}

export async function run(): Promise<report.BenchResult> {
  const clock = report.startRun();
  const [cpuBefore, appCpuBefore] = [cpuTimes(), process.cpuUsage()];
  const url = benchDatabaseUrl();
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  const schema = `bench_subs_${process.pid}`;
  const autocannon = `autocannon ${createRequire(import.meta.url)('autocannon/package.json').version}`;
  const results: Measured[] = [];
  const ctx = { database } as LoadContext;
  const after: Record<string, object> = {};
  const profile = await inTempDir('tracker-alerts-bench-subs-', async (dataDir) => {
    await adminQueryAt(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
    const app = await startApp(url, schema, dataDir);
    try {
      ctx.tokens = await seedManagedSubscribers(app, MANAGED);
      await sanityCheck(app, ctx.tokens[0]!);
      ctx.generator = await startLoadGenerator();
      log(`  app on ${app.baseUrl} (schema ${schema}); load generator pid ${ctx.generator.pid} (${autocannon}); warm-up 1 s per endpoint`);
      for (const scenario of ['healthz', 'signup', 'durable', 'preferences'] as const) await measure(ctx, 'warm-up', scenario, app);
      for (const phase of ['full', 'burst', 'paced'] as const) {
        for (const scenario of ['healthz', 'signup', ...(phase === 'full' ? ['durable' as const] : []), 'preferences'] as const)
          results.push(await measure(ctx, phase, scenario, app));
      }
      after.resend = await measureResend(ctx, url, `${schema}_resend`, results);
      after.outbox = {
        ...(await stateAfter(app.handle.db)),
        eml: report.fmtInt(countEml(app.outboxDir)),
        failures: app.backgroundFailures(),
      };
      log('  sign-ups at full load again, under the CPU profiler ...');
      const signups = await profiled(() => measure(ctx, 'full', 'signup', app));
      return { profile: signups.profile, signups: signups.result.ok };
    } finally {
      await ctx.generator?.stop();
      await app.close();
      await ctx.resend?.close();
      await adminQueryAt(url, `drop schema if exists ${schema} cascade`).catch(() => undefined);
    }
  });
  const cpuAfter = cpuTimes();
  const appCpuMs = cpuMsSince(appCpuBefore);
  const cores = Number(machineInfo().nproc) || 1;
  const busy =
    cpuBefore && cpuAfter
      ? `all ${cores} CPUs were ${(100 * (1 - (cpuAfter.idle - cpuBefore.idle) / Math.max(1, cpuAfter.total - cpuBefore.total))).toFixed(0)}% busy over the run (/proc/stat), ` +
        `the app process itself using ${((100 * appCpuMs) / 1000 / (clock.elapsedS() * cores)).toFixed(0)}% of them`
      : '';
  const { view, tables } = writeUpView(results, profile, after);
  return {
    section: 'Subscribers (issue 5)',
    command: 'npm run bench -- subscriptions        # BENCH_SECONDS=2 for a quick pass (no file written)',
    machine: { PostgreSQL: await postgresVersion(url), 'load generator': autocannon },
    run: clock.finish(`${busy ? `${busy}. ` : ''}The app, PostgreSQL and the load generator share these cores`),
    write: report.writeUnless(SECONDS !== 10, 'BENCH_SECONDS'),
    body: report.writeUp('subscriptions', view, tables),
  };
}

/** The production path: the same sign-ups, their confirmations posted by the resend SDK to the fake Resend in a process of its own, from a second app on its own schema. */
async function measureResend(ctx: LoadContext, url: string, schema: string, results: Measured[]) {
  ctx.resend = await startFakeResendProcess();
  const fake = ctx.resend;
  await adminQueryAt(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  return inTempDir('tracker-alerts-bench-subs-resend-', async (dataDir) => {
    const app = await startApp(url, schema, dataDir, { url: fake.url, sent: async () => (await fake.deliveries()).length });
    try {
      log(`  the same sign-ups through the Resend transport (fake Resend at ${fake.url}, its own process)`);
      await measure(ctx, 'warm-up', 'signup', app);
      for (const phase of ['full', 'burst', 'paced'] as const) results.push(await measure(ctx, phase, 'signup', app));
      const [deliveries, usage] = [await fake.deliveries(), await fake.usage()];
      return {
        ...(await stateAfter(app.handle.db)),
        deliveries: report.fmtInt(deliveries.length),
        requests: report.fmtInt(usage.requests),
        perBatch: (deliveries.length / Math.max(1, usage.requests)).toFixed(1),
        distinct: report.fmtInt(new Set(deliveries.flatMap((d) => d.to)).size),
        oneClick: report.fmtInt(deliveries.filter((d) => d.oneClick).length),
        failures: app.backgroundFailures(),
        cpuPerEmail: (usage.cpuMs / Math.max(1, deliveries.length)).toFixed(2),
      };
    } finally {
      await app.close();
      await adminQueryAt(url, `drop schema if exists ${schema} cascade`).catch(() => undefined);
    }
  });
}
