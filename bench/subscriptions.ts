/**
 * Issue 5 benchmark: the subscriber endpoints under HTTP load from a second process, on
 * PostgreSQL. The real app (createApp with deps from testkit's createBenchDeps, as openNodeResources builds them: PostgreSQL rate limits,
 * the outbox mailer writing .eml files into a temporary DATA_DIR, request logging at info into
 * a file) is served by @hono/node-server on 127.0.0.1 in this process; autocannon runs in a
 * forked child (testkit/subscriber-load-process.ts) and sends, side by side:
 *
 *   GET  /healthz                     the framework's own ceiling
 *   POST /v1/subscriptions            JSON sign-up, a new address and X-Forwarded-For per request
 *   PUT  /v1/preferences?token=...    manage tokens of pre-created confirmed subscribers, rotated
 *   POST /v1/bench/durable-insert     the sign-up's body, path and middleware; its handler one durable
 *                                     INSERT ... RETURNING (full load only: the limit sign-up is a ratio of)
 *
 * each at full load (10 connections, 10 s), then at 200 requests/s for 10 s twice: with
 * autocannon's `overallRate` (per-second bursts) and evenly spaced (one request every 5 ms
 * from the same child, with node:http). Every sign-up queues its confirmation notice in its own
 * statement; the app's notice pump drains the queue in batches in this process, rendering and
 * writing each email to the outbox; the time to finish that backlog after each run is reported
 * too. Then the sign-ups run again on a second app that sends through the Resend transport (the
 * real SDK, to the fake Resend of testkit in its own process), as production does. The CPU
 * of the app, PostgreSQL's backends, the load generator and the fake is read per run. Then a
 * sign-up's steps are timed one at a time (CPU and wall time).
 *
 *   npm run bench -- subscriptions
 *
 * Environment: BENCH_DATABASE_URL (PostgreSQL; default the local tracker_bench database),
 * BENCH_SECONDS (default 10, per run), BENCH_WRITE (0: do not touch BENCHMARKS.md).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance as nodePerformance } from 'node:perf_hooks';
import { serve } from '@hono/node-server';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createApp } from '../src/app';
import { openPostgres } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import type { SubscriberRow } from '../src/db/subscribers';
import { buildEml } from '../src/email/eml';
import { createLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import type { Deps } from '../src/services';
import { drainNotices, NOTICE_GATHER_MS, noticeMessage } from '../src/subscribers/notices';
import { preferencesSchema } from '../src/subscribers/preferences';
import { requestSubscription } from '../src/subscribers/subscribe';
import { taxonomySeed } from '../src/taxonomy/seed';
import { createBenchDeps } from '../testkit/bench-deps';
import { adminQueryAt as adminQuery, benchDatabaseUrl, postgresVersion } from '../testkit/db-targets';
import { startFakeResendProcess } from '../testkit/fake-resend-process';
import { cpuMeter, cpuTimes, postgresBackends } from '../testkit/machine';
import { projectRoot as repoRoot } from '../testkit/process';
import { choices, type LoadSummary, type Scenario, startLoadGenerator } from '../testkit/subscriber-load';
import { DURABLE_INSERT_PATH } from '../testkit/subscriber-load-process';
import { type ProfileStep, timeSteps } from '../testkit/timing';
import {
  type BenchResult,
  cols,
  fmtInt,
  fmtRatio,
  machineInfo,
  met,
  now,
  paragraphs,
  startRun,
  type TableColumn,
  writeUnless,
} from './report';

const SECONDS = Math.max(1, Number(process.env.BENCH_SECONDS ?? 10));
const WARMUP_SECONDS = 1;
const FULL_CONNECTIONS = 10;
const FIXED_RATE = 200;
const BURST_CONNECTIONS = 10;
const PACED_MAX_CONNECTIONS = 64;
const PACED_GRACE_MS = 2_000;
const MANAGED_SUBSCRIBERS = 1_000;
const GOAL_SIGNUP_VS_HEALTHZ = 0.3;
const GOAL_P99_MS = 50;

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const APP_SECRET = 'bench-app-secret-0123456789-0123456789-0123456789';

const GOAL_SIGNUP_VS_DURABLE = 0.5;
const scenarios: readonly Scenario[] = ['healthz', 'signup', 'preferences'];
/** At full load only: the same path and middleware as the sign-up, its handler one INSERT ... RETURNING. */
const fullLoadScenarios: readonly Scenario[] = ['healthz', 'signup', 'durable', 'preferences'];
const scenarioLabel: Record<Scenario, string> = {
  durable: `POST ${DURABLE_INSERT_PATH} (durable INSERT limit)`,
  healthz: 'GET /healthz',
  signup: 'POST /v1/subscriptions',
  preferences: 'PUT /v1/preferences?token=',
};

// ---------------------------------------------------------------------------------------
// The app under test (this process)
// ---------------------------------------------------------------------------------------

/**
 * `resend`: the production transport instead of the outbox, the `resend` SDK posting to this
 * URL (the fake Resend in its own process), `sent` counting what it has received.
 */
async function startApp(url: string, schema: string, dataDir: string, resend?: { url: string; sent(): Promise<number> }) {
  const handle = openPostgres(url, { searchPath: schema });
  await migrateToLatest(handle.db, taxonomySeed);
  // As in production: one JSON line per request at info, here into a file instead of stdout.
  const logFile = join(dataDir, 'app.log');
  const logDestination = pino.destination({ dest: logFile, sync: false, mkdir: true });
  const deps = createBenchDeps(
    handle,
    {
      NODE_ENV: 'development',
      ADMIN_TOKEN,
      APP_SECRET,
      PUBLIC_BASE_URL: 'https://alerts.example.org',
      TRUST_PROXY: '1',
      DATA_DIR: dataDir,
      DATABASE_URL: url,
      LOG_LEVEL: 'info',
      // The fake's key, and a sender it accepts (Resend refuses a domain without a dot).
      ...(resend
        ? { RESEND_API_KEY: 're_test_fake_key', RESEND_BASE_URL: resend.url, EMAIL_FROM: 'Tracker Alerts <alerts@alerts.example.org>' }
        : {}),
    },
    { log: createLogger({ level: 'info', destination: logDestination }), metrics: createMetrics({ processMetrics: true }) },
  );
  const app = createApp(deps);
  // The durable-INSERT limit: a route added after the app's middleware, so a request takes the
  // sign-up's path through them (request id, log line, metrics, body limit, JSON check) and its
  // handler is one statement, committed on its own, through the same pool.
  await sql`create table if not exists bench_durable (id bigserial primary key, email text not null)`.execute(handle.db);
  app.post(DURABLE_INSERT_PATH, async (c) => {
    const { email } = await c.req.json<{ email: string }>();
    const { rows } = await sql<{ id: string }>`insert into bench_durable (email) values (${email}) returning id`.execute(deps.db);
    return c.json({ id: rows[0]!.id }, 202);
  });

  // Requests the app is still working on (a client that gave up does not stop the handler).
  let inFlight = 0;
  const fetchCounted: typeof app.fetch = async (...args) => {
    inFlight++;
    try {
      return await app.fetch(...args);
    } finally {
      inFlight--;
    }
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: fetchCounted, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    app,
    handle,
    deps,
    tokens: deps.tokens,
    baseUrl: `http://127.0.0.1:${port}`,
    outboxDir: join(dataDir, 'outbox'),
    transport: resend ? ('resend' as const) : ('outbox' as const),
    /** Confirmation emails handed over so far: .eml files in the outbox, or messages the fake Resend received. */
    emailsSent: async () => (resend ? resend.sent() : countEml(join(dataDir, 'outbox'))),
    logFile,
    /** Background tasks (sign-up emails) that failed, from the app's log. */
    backgroundFailures() {
      logDestination.flushSync();
      return readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"msg":"background task failed"')).length;
    },
    /** Until no request is being handled and no background email is pending. */
    async settle() {
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await deps.background.idle();
      if (inFlight > 0) await this.settle();
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.background.idle();
      logDestination.flushSync();
      logDestination.end();
      await handle.close();
    },
  };
}

type AppUnderTest = Awaited<ReturnType<typeof startApp>>;

/** N confirmed subscribers inserted directly, and a manage token for each. */
async function seedManagedSubscribers(app: AppUnderTest, count: number): Promise<string[]> {
  const at = new Date();
  const rows = Array.from({ length: count }, (_, i) => ({
    email: `managed.${i}@bench.example.org`,
    status: 'confirmed' as const,
    ...(({ skipEmpty, ...rest }) => ({ ...rest, skip_empty: skipEmpty }))(choices(i)),
    created_at: at,
    updated_at: at,
    confirmed_at: at,
    consent_at: at,
    consent_source: 'api',
  }));
  const inserted = await app.handle.db.insertInto('subscribers').values(rows).returning(['id', 'token_version']).execute();
  return inserted.map((r) => app.tokens.sign('manage', { subscriberId: Number(r.id), version: r.token_version }));
}

/** One request of each kind from here, so a misconfiguration fails before any load is sent. */
async function sanityCheck(app: AppUnderTest, token: string): Promise<void> {
  const json = { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.1' };
  const checks: [string, Promise<Response>, number][] = [
    ['GET /healthz', fetch(`${app.baseUrl}/healthz`), 200],
    [
      'POST /v1/subscriptions',
      fetch(`${app.baseUrl}/v1/subscriptions`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email: 'sanity@bench.example.org', ...choices(1) }),
      }),
      202,
    ],
    [
      'PUT /v1/preferences',
      fetch(`${app.baseUrl}/v1/preferences?token=${token}`, { method: 'PUT', headers: json, body: JSON.stringify(choices(2)) }),
      200,
    ],
  ];
  for (const [label, pending, expected] of checks) {
    const response = await pending;
    const body = await response.text();
    if (response.status !== expected) throw new Error(`${label} answered ${response.status}, expected ${expected}: ${body.slice(0, 300)}`);
  }
  await app.deps.background.idle();
}

const countEml = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.eml')).length;
  } catch {
    return 0;
  }
};

// ---------------------------------------------------------------------------------------
// Where a sign-up's CPU goes: its steps one at a time, in this process, without HTTP load
// ---------------------------------------------------------------------------------------

const PROFILE_CALLS = 60;
const PROFILE_ROUNDS = 3;
const PROFILE_WARMUP_CALLS = 10;

async function profileSignup(app: AppUnderTest): Promise<ProfileStep[]> {
  const { deps } = app;
  const steps: { step: string; f: (i: number) => Promise<unknown> | unknown }[] = [];
  const add = (step: string, f: (i: number) => Promise<unknown> | unknown) => steps.push({ step, f });
  const tag = `p${Date.now()}`;
  const preferences = preferencesSchema.parse(choices(7));
  // Sign-ups whose notices stay queued (the pump is not kicked): drained together afterwards.
  const notKicked: Deps = { ...deps, noticePump: { kick() {} } };
  const pendingRows = (
    await app.handle.db
      .selectFrom('subscribers')
      .selectAll()
      .where('status', '=', 'pending')
      .limit(PROFILE_CALLS + PROFILE_WARMUP_CALLS)
      .execute()
  ).map((row) => ({ ...row, id: Number(row.id) }) as unknown as SubscriberRow);
  const pendingAt = (i: number) => pendingRows[i % pendingRows.length]!;
  const message = (i: number) => noticeMessage(deps, { kind: 'confirm', subscriber: pendingAt(i), createdAt: new Date() });

  add('one PostgreSQL round trip (select 1 through Kysely and the pool)', () => sql`select 1`.execute(deps.db));
  add('sign-up statement (requestSubscription: 2 limits, suppression, subscriber, notice queued; one round trip)', (i) =>
    requestSubscription(notKicked, {
      email: `profile.tx.${tag}.${i}@bench.example.org`,
      preferences,
      source: 'api',
      client: `172.17.0.${i & 255}`,
    }),
  );
  const signUp = async (target: ReturnType<typeof createApp>, i: number, kind: string) => {
    const response = await target.request('/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `172.16.${kind.length}.${i & 255}` },
      body: JSON.stringify({ email: `profile.${kind}.${tag}.${i}@bench.example.org`, ...choices(i) }),
    });
    if (response.status !== 202) throw new Error(`profile sign-up answered ${response.status}: ${await response.text()}`);
  };
  const appNotKicked = createApp(notKicked);
  add('whole sign-up through app.request (no socket), notice queued, not sent', (i) => signUp(appNotKicked, i, 'queued'));
  add('notice email: tokens + template (noticeMessage)', (i) => message(i));
  const built = { ...message(0), from: deps.config.emailFrom };
  add("notice email: MIME build (buildEml: nodemailer's header builder and encoders)", (i) =>
    buildEml(built, { messageId: `<profile${i}.0@outbox.tracker-alerts>`, date: new Date() }),
  );
  add('notice email: outbox send of one (MIME build + file writes)', (i) =>
    deps.mailer.send(built, { idempotencyKey: `profile-${tag}-${i}` }),
  );
  const timed = await timeSteps(steps, { calls: PROFILE_CALLS, rounds: PROFILE_ROUNDS, warmupCalls: PROFILE_WARMUP_CALLS });

  // Every notice the sign-ups above queued, sent the way the pump sends them: batches of 100.
  const queued = await sql<{ n: number }>`select count(*)::int as n from signup_notices where failed_at is null`.execute(deps.db);
  const count = queued.rows[0]!.n;
  const cpu = process.cpuUsage();
  const started = now();
  const drained = await drainNotices(deps);
  const used = process.cpuUsage(cpu);
  if (drained.sent !== count) throw new Error(`drained ${drained.sent} of ${count} queued notices`);
  timed.push({
    step: `notices drained in batches of 100 (claim, render, MIME, outbox batch, delete), per notice, over ${fmtInt(count)}`,
    cpuMs: (used.user + used.system) / 1000 / Math.max(1, count),
    wallMs: (now() - started) / Math.max(1, count),
  });
  return timed;
}

const profileColumns: TableColumn[] = [
  { title: `step (one call at a time; median of ${PROFILE_ROUNDS} rounds of ${Math.round(PROFILE_CALLS / PROFILE_ROUNDS)} calls)` },
  { title: 'CPU ms', align: 'right' },
  { title: 'wall ms', align: 'right' },
];
const profileRows = (steps: readonly ProfileStep[]) => steps.map((s) => [s.step, s.cpuMs.toFixed(2), s.wallMs.toFixed(2)]);

// ---------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------

interface Measured extends LoadSummary {
  phase: Phase;
  /** How the confirmation emails left: the outbox (the development default) or Resend (production). */
  transport: 'outbox' | 'resend';
  /** Sign-up only: confirmation emails handed over when the run ended, and time to finish the rest. */
  emailsAtEnd?: number;
  emailsAfterDrain?: number;
  drainMs?: number;
  /** The app process during the run: event-loop utilisation, and CPU time per request (run and drain). */
  eventLoopUtilization: number;
  cpuMsPerRequest: number;
  /** CPU of the other processes over the same window, per request: PostgreSQL's backends of the bench database, the load generator, the fake Resend. */
  postgresCpuMsPerRequest: number;
  loadCpuMsPerRequest: number;
  resendCpuMsPerRequest?: number;
}

/** The endpoint, and for sign-ups through Resend, the transport. */
const labelOf = (m: Pick<Measured, 'scenario' | 'transport'>) =>
  `${scenarioLabel[m.scenario]}${m.transport === 'resend' ? ' via Resend' : ''}`;

type Phase = 'full' | 'burst' | 'paced';
const phases: readonly Phase[] = ['full', 'burst', 'paced'];
const phaseLabel: Record<Phase, string> = {
  full: `full load: ${FULL_CONNECTIONS} connections, ${SECONDS} s`,
  burst: `${FIXED_RATE}/s, autocannon overallRate: ${BURST_CONNECTIONS} connections x ${FIXED_RATE / BURST_CONNECTIONS}/s, ${SECONDS} s`,
  paced: `${FIXED_RATE}/s evenly spaced: one every ${1000 / FIXED_RATE} ms, up to ${PACED_MAX_CONNECTIONS} connections, ${SECONDS} s`,
};
const phaseShort: Record<Phase, string> = { full: 'full load', burst: `${FIXED_RATE}/s in bursts`, paced: `${FIXED_RATE}/s evenly spaced` };

const rps = (m: LoadSummary) => m.total / m.seconds;
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : n.toFixed(0)) : 'n/a');
const statusText = (m: LoadSummary) =>
  Object.entries(m.statusCodes)
    .map(([code, count]) => `${code}: ${fmtInt(count)}`)
    .join(', ');

const columns = cols(
  'endpoint',
  'load',
  '>requests',
  '>requests/s',
  '>vs healthz',
  '>vs durable INSERT',
  '>p50 ms',
  '>p90 ms',
  '>p99 ms',
  '>max ms',
  '>non-2xx',
  '>errors / timeouts',
  'goal',
);

function verdicts(results: readonly Measured[]) {
  const find = (phase: Phase, s: Scenario, transport: Measured['transport'] = 'outbox') =>
    results.find((r) => r.phase === phase && r.scenario === s && r.transport === transport);
  const healthz = find('full', 'healthz');
  const signup = find('full', 'signup');
  const ratio = healthz && signup ? rps(signup) / rps(healthz) : Number.NaN;
  const resendSignup = find('full', 'signup', 'resend');
  const resendRatio = healthz && resendSignup ? rps(resendSignup) / rps(healthz) : Number.NaN;
  const durable = find('full', 'durable');
  const durableRatio = durable && signup ? rps(signup) / rps(durable) : Number.NaN;
  const p99 = (phase: Phase, s: Scenario, transport: Measured['transport'] = 'outbox') =>
    find(phase, s, transport)?.latency.p99 ?? Number.NaN;
  return {
    ratio,
    ratioOk: ratio >= GOAL_SIGNUP_VS_HEALTHZ,
    resendRatio,
    resendRatioOk: resendRatio >= GOAL_SIGNUP_VS_HEALTHZ,
    durable,
    durableRatio,
    durableRatioOk: durableRatio >= GOAL_SIGNUP_VS_DURABLE,
    p99,
    /** At the rate asked: the p99 under the goal and the rate actually reached (within 5%). */
    p99Ok: (phase: Phase, s: Scenario, transport: Measured['transport'] = 'outbox') => {
      const r = find(phase, s, transport);
      return r !== undefined && r.latency.p99 < GOAL_P99_MS && rps(r) >= FIXED_RATE * 0.95;
    },
  };
}

function tableRows(results: readonly Measured[]): string[][] {
  const v = verdicts(results);
  const healthzFull = results.find((r) => r.phase === 'full' && r.scenario === 'healthz');
  return results.map((r) => {
    let goal = '';
    const ratioOk = r.transport === 'resend' ? v.resendRatioOk : v.ratioOk;
    if (r.phase === 'full' && r.scenario === 'signup') goal = `>= ${GOAL_SIGNUP_VS_HEALTHZ}x healthz: ${met(ratioOk)}`;
    if (r.phase === 'full' && r.scenario === 'signup' && v.durable)
      goal += `; >= ${GOAL_SIGNUP_VS_DURABLE}x durable INSERT: ${met(rps(r) / rps(v.durable) >= GOAL_SIGNUP_VS_DURABLE)}`;
    if (r.phase !== 'full' && r.scenario !== 'healthz')
      goal = `p99 < ${GOAL_P99_MS} ms at ${FIXED_RATE}/s: ${v.p99Ok(r.phase, r.scenario, r.transport) ? 'met' : 'not met'}`;
    return [
      labelOf(r),
      phaseLabel[r.phase],
      fmtInt(r.total),
      fmtInt(rps(r)),
      r.phase === 'full' && healthzFull ? fmtRatio(rps(r) / rps(healthzFull)) : '',
      r.phase === 'full' && v.durable && r.scenario !== 'healthz' ? fmtRatio(rps(r) / rps(v.durable)) : '',
      ms(r.latency.p50),
      ms(r.latency.p90),
      ms(r.latency.p99),
      ms(r.latency.max),
      r.non2xx === 0 ? '0' : `${fmtInt(r.non2xx)} (${statusText(r)})`,
      `${r.errors} / ${r.timeouts}`,
      goal,
    ];
  });
}

const appColumns = cols(
  'endpoint',
  'load',
  '>app event loop busy',
  '>app CPU ms per request',
  '>PostgreSQL backends CPU ms per request',
  '>load generator CPU ms per request',
  '>fake Resend CPU ms per request',
);

/** The app process's side: how busy its event loop was, and its CPU time per request. */
function appRows(results: readonly Measured[]): string[][] {
  return results.map((r) => [
    labelOf(r),
    phaseShort[r.phase],
    `${(r.eventLoopUtilization * 100).toFixed(0)}%`,
    `${r.cpuMsPerRequest.toFixed(2)}${r.scenario === 'signup' ? ' (incl. its email)' : ''}`,
    r.postgresCpuMsPerRequest.toFixed(2),
    r.loadCpuMsPerRequest.toFixed(2),
    r.resendCpuMsPerRequest === undefined ? '' : r.resendCpuMsPerRequest.toFixed(2),
  ]);
}

function autocannonVersion(): string {
  try {
    return `autocannon ${JSON.parse(readFileSync(join(repoRoot, 'node_modules/autocannon/package.json'), 'utf8')).version}`;
  } catch {
    return 'autocannon';
  }
}

interface Ctx {
  generator: Awaited<ReturnType<typeof startLoadGenerator>>;
  fakeResend?: Awaited<ReturnType<typeof startFakeResendProcess>>;
  /** The database whose backends' CPU is counted. */
  database: string;
  tokens: string[];
  log: (line: string) => void;
}

/** One run of one endpoint against `target`, with the CPU of every process involved over it (and, for sign-ups, until their emails left). */
async function measure(ctx: Ctx, phase: Phase | 'warm-up', scenario: Scenario, target: AppUnderTest): Promise<Measured> {
  const { generator, fakeResend, database, tokens, log } = ctx;
  const emailsBefore = await target.emailsSent();
  const postgresCpu = cpuMeter(() => postgresBackends(database));
  const loadCpu = cpuMeter(() => [generator.child.pid!]);
  const resendCpu = target.transport === 'resend' && fakeResend ? cpuMeter(() => [fakeResend.pid]) : undefined;
  const elu = nodePerformance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const summary = await generator.run({
    url: target.baseUrl,
    scenario,
    pattern: phase === 'full' || phase === 'warm-up' ? 'closed' : phase,
    connections:
      phase === 'warm-up' ? 4 : phase === 'burst' ? BURST_CONNECTIONS : phase === 'paced' ? PACED_MAX_CONNECTIONS : FULL_CONNECTIONS,
    seconds: phase === 'warm-up' ? WARMUP_SECONDS : SECONDS,
    ...(phase === 'burst' || phase === 'paced' ? { rate: FIXED_RATE } : {}),
    ...(scenario === 'preferences' ? { tokens } : {}),
  });
  const eventLoopUtilization = nodePerformance.eventLoopUtilization(elu).utilization;
  const measured: Measured = {
    ...summary,
    phase: phase === 'warm-up' ? 'full' : phase,
    transport: target.transport,
    eventLoopUtilization,
    cpuMsPerRequest: Number.NaN,
    postgresCpuMsPerRequest: Number.NaN,
    loadCpuMsPerRequest: Number.NaN,
  };
  const emailsAtEnd = (await target.emailsSent()) - emailsBefore;
  const drainStarted = now();
  await target.settle();
  if (scenario === 'signup') {
    measured.emailsAtEnd = emailsAtEnd;
    measured.drainMs = now() - drainStarted;
    measured.emailsAfterDrain = (await target.emailsSent()) - emailsBefore;
  }
  const used = process.cpuUsage(cpu);
  const requests = Math.max(1, summary.total);
  measured.cpuMsPerRequest = (used.user + used.system) / 1000 / requests;
  measured.postgresCpuMsPerRequest = postgresCpu() / requests;
  measured.loadCpuMsPerRequest = loadCpu() / requests;
  if (resendCpu) measured.resendCpuMsPerRequest = resendCpu() / requests;
  log(
    `  ${(phase === 'warm-up' ? phase : phaseShort[phase]).padEnd(20)} ${labelOf(measured).padEnd(27)} ${fmtInt(rps(summary)).padStart(6)} req/s  ` +
      `p50 ${ms(summary.latency.p50)} ms  p99 ${ms(summary.latency.p99)} ms  max ${ms(summary.latency.max)} ms  ` +
      `statuses {${statusText(summary)}} errors ${summary.errors} timeouts ${summary.timeouts}  ` +
      `app event loop ${(eventLoopUtilization * 100).toFixed(0)}% busy, CPU ms/request: app ${measured.cpuMsPerRequest.toFixed(2)}, ` +
      `PostgreSQL ${measured.postgresCpuMsPerRequest.toFixed(2)}, load generator ${measured.loadCpuMsPerRequest.toFixed(2)}` +
      (measured.resendCpuMsPerRequest !== undefined ? `, fake Resend ${measured.resendCpuMsPerRequest.toFixed(2)}` : '') +
      (summary.senderLag ? `  sender late p99 ${ms(summary.senderLag.p99)} ms, max ${ms(summary.senderLag.max)} ms` : '') +
      (measured.drainMs !== undefined
        ? `  emails ${fmtInt(measured.emailsAtEnd!)} at end, ${fmtInt(measured.emailsAfterDrain!)} after ${fmtInt(measured.drainMs)} ms drain`
        : ''),
  );
  return measured;
}

/**
 * The production path: the same sign-ups, their confirmations posted by the resend SDK (batch
 * API) to the fake Resend in a process of its own, from a second app on its own schema.
 */
async function measureResend(ctx: Ctx, url: string, schema: string, dataDir: string, results: Measured[]): Promise<string> {
  const { log } = ctx;
  const fake = ctx.fakeResend!;
  await adminQuery(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  const resendApp = await startApp(url, schema, dataDir, { url: fake.url, sent: async () => (await fake.deliveries()).length });
  try {
    log(`  the same sign-ups through the Resend transport (fake Resend at ${fake.url}, its own process)`);
    await measure(ctx, 'warm-up', 'signup', resendApp);
    for (const phase of phases) results.push(await measure(ctx, phase, 'signup', resendApp));
    const deliveries = await fake.deliveries();
    const resendPending = await sql<{ n: number }>`select count(*)::int as n from subscribers where status = 'pending'`.execute(
      resendApp.handle.db,
    );
    const fakeUsage = await fake.usage();
    const resendNotices = await sql<{ queued: number; failed: number }>`
      select count(*) filter (where failed_at is null)::int as queued, count(*) filter (where failed_at is not null)::int as failed
      from signup_notices`.execute(resendApp.handle.db);
    const resendConsistency =
      `Through Resend: ${fmtInt(resendPending.rows[0]!.n)} pending subscribers (warm-up included) and ${fmtInt(deliveries.length)} ` +
      `emails received by the fake in ${fmtInt(fakeUsage.requests)} requests (${(deliveries.length / Math.max(1, fakeUsage.requests)).toFixed(1)} per batch), ` +
      `to ${fmtInt(new Set(deliveries.flatMap((d) => d.to)).size)} distinct addresses, ` +
      `${fmtInt(deliveries.filter((d) => d.oneClick).length)} with one-click unsubscribe headers; ` +
      `${fmtInt(resendNotices.rows[0]!.queued)} notices still queued and ${fmtInt(resendNotices.rows[0]!.failed)} failed, ` +
      `${resendApp.backgroundFailures()} failed background tasks; the fake's own CPU ` +
      `${(fakeUsage.cpuMs / Math.max(1, deliveries.length)).toFixed(2)} ms per email (its process, on the same cores).`;
    log(`  ${resendConsistency}`);
    return resendConsistency;
  } finally {
    await resendApp.close();
  }
}

/** Every accepted sign-up stored one pending subscriber and wrote one confirmation email. */
async function outboxConsistency(app: AppUnderTest): Promise<string> {
  const pending = await sql<{ n: number }>`select count(*)::int as n from subscribers where status = 'pending'`.execute(app.handle.db);
  const limits = await sql<{ n: number }>`select count(*)::int as n from rate_limits`.execute(app.handle.db);
  const notices = await sql<{ queued: number; failed: number }>`
      select count(*) filter (where failed_at is null)::int as queued, count(*) filter (where failed_at is not null)::int as failed
      from signup_notices`.execute(app.handle.db);
  return (
    `After the load: ${fmtInt(pending.rows[0]!.n)} pending subscribers and ${fmtInt(countEml(app.outboxDir))} .eml files in the outbox ` +
    `(both include the warm-up and one sanity sign-up), ${fmtInt(notices.rows[0]!.queued)} notices still queued and ` +
    `${fmtInt(notices.rows[0]!.failed)} failed, ${fmtInt(limits.rows[0]!.n)} rate-limit rows, ` +
    `${app.backgroundFailures()} failed background tasks.`
  );
}

/** How busy the machine's CPUs were over the run, and the app process's share of them. */
function machineBusy(cpuBefore: ReturnType<typeof cpuTimes>, appCpuBefore: NodeJS.CpuUsage, elapsedS: number): string {
  const cpuAfter = cpuTimes();
  const appCpu = process.cpuUsage(appCpuBefore);
  const cores = Number(machineInfo().nproc) || 1;
  if (!cpuBefore || !cpuAfter) return '';
  const busy = 1 - (cpuAfter.idle - cpuBefore.idle) / Math.max(1, cpuAfter.total - cpuBefore.total);
  const appShare = (appCpu.user + appCpu.system) / 1e6 / (elapsedS * cores);
  return `all ${cores} CPUs were ${(busy * 100).toFixed(0)}% busy over the run (/proc/stat), the app process itself using ${(appShare * 100).toFixed(0)}% of them`;
}

export async function run(): Promise<BenchResult> {
  const log = (line: string) => console.log(line);
  const clock = startRun();
  const cpuBefore = cpuTimes();
  const appCpuBefore = process.cpuUsage();
  const url = benchDatabaseUrl();
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  const pgVersion = await postgresVersion(url);
  const schema = `bench_subs_${process.pid}`;
  await adminQuery(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-alerts-bench-subs-'));
  const resendSchema = `${schema}_resend`;
  const resendDataDir = mkdtempSync(join(tmpdir(), 'tracker-alerts-bench-subs-resend-'));
  const app = await startApp(url, schema, dataDir);
  const results: Measured[] = [];
  let ctx: Ctx | undefined;
  let consistency = '';
  let resendConsistency = '';
  let profile: ProfileStep[] = [];
  try {
    const tokens = await seedManagedSubscribers(app, MANAGED_SUBSCRIBERS);
    await sanityCheck(app, tokens[0]!);
    log(
      `  app on ${app.baseUrl} (schema ${schema}, DATA_DIR ${dataDir}); ${fmtInt(tokens.length)} confirmed subscribers with manage tokens`,
    );
    ctx = { generator: await startLoadGenerator(), database, tokens, log };
    log(`  load generator: pid ${ctx.generator.child.pid} (${autocannonVersion()}); app: pid ${process.pid}`);
    log(`  warm-up: ${WARMUP_SECONDS} s per endpoint, 4 connections`);
    for (const scenario of fullLoadScenarios) await measure(ctx, 'warm-up', scenario, app);
    for (const phase of phases) {
      log(`  ${phaseLabel[phase]} per endpoint`);
      for (const scenario of phase === 'full' ? fullLoadScenarios : scenarios) results.push(await measure(ctx, phase, scenario, app));
    }
    ctx.fakeResend = await startFakeResendProcess();
    resendConsistency = await measureResend(ctx, url, resendSchema, resendDataDir, results);
    log(`  ${resendConsistency}`);
    consistency = await outboxConsistency(app);
    log(`  ${consistency}`);
    log(`  profiling a sign-up's steps (${PROFILE_CALLS} calls each, one at a time) ...`);
    profile = await profileSignup(app);
  } finally {
    await ctx?.generator.stop();
    await app.close();
    await ctx?.fakeResend?.close();
    await adminQuery(url, `drop schema if exists ${resendSchema} cascade`).catch(() => undefined);
    rmSync(resendDataDir, { recursive: true, force: true });
    await adminQuery(url, `drop schema if exists ${schema} cascade`).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const v = verdicts(results);
  const busyText = machineBusy(cpuBefore, appCpuBefore, clock.elapsedS());
  const signupRuns = results.filter((r) => r.scenario === 'signup');
  const healthzFull = results.find((r) => r.phase === 'full' && r.scenario === 'healthz');
  const healthzBurst = results.find((r) => r.phase === 'burst' && r.scenario === 'healthz');
  const healthzPaced = results.find((r) => r.phase === 'paced' && r.scenario === 'healthz');
  const signupFullRun = results.find((r) => r.phase === 'full' && r.scenario === 'signup' && r.transport === 'outbox');
  const putCpu = results.find((r) => r.phase === 'full' && r.scenario === 'preferences')?.cpuMsPerRequest ?? Number.NaN;
  const step = (prefix: string) => profile.find((p) => p.step.startsWith(prefix));
  const whole = step('whole sign-up through app.request');
  const statement = step('sign-up statement');
  const drained = step('notices drained');
  const single = step('notice email: outbox send of one');
  return {
    section: 'Subscribers (issue 5)',
    command: 'npm run bench -- subscriptions        # BENCH_SECONDS=2 for a quick pass (no file written)',
    machine: machineInfo({ PostgreSQL: pgVersion, 'load generator': autocannonVersion() }),
    run: clock.finish(
      `${busyText ? `${busyText}. ` : ''}The app, PostgreSQL and the load generator share these cores with that other work`,
    ),
    write: writeUnless(SECONDS !== 10, 'BENCH_SECONDS'),
    blocks: paragraphs([
      'Setup: the real app (`createApp` with the dependencies from `createDeps(nodeResources(...))`, as `openNodeResources` builds them: PostgreSQL through a pool of 10, ' +
        'rate limits in PostgreSQL, the outbox mailer, request logging at info into a file) served by ' +
        '`@hono/node-server` on 127.0.0.1 in the bench process, with `TRUST_PROXY=1`. The load comes from a second ' +
        'process: autocannon, forked, driven through its API so each request is built on the fly. ' +
        '`POST /v1/subscriptions` sends a new address and a new `X-Forwarded-For` client address in every request ' +
        '(the limits are 20 per IP and 5 per address per hour), with 1-3 countries, sometimes a region, 0-2 categories. ' +
        'Each sign-up is one SQL statement, so one round trip and one commit: a point off both rate limits (per IP, per ' +
        'address), the suppression check, the subscriber (inserted, or locked and updated) and its confirmation notice ' +
        'queued in `signup_notices`; it is a named prepared statement, so PostgreSQL parses and plans it once per connection. ' +
        'After the commit the request kicks the notice pump, which (after the 202, in the same process) waits ' +
        `${NOTICE_GATHER_MS} ms to gather the sign-ups of that moment, claims due notices in batches of up to 100 ` +
        '(`FOR UPDATE SKIP LOCKED`, with a lease; also prepared), renders each email (letting requests in every 10), ' +
        "builds it as MIME (nodemailer's header builder and encoders; the HTML as base64) and hands the batch to the outbox " +
        'mailer (one key record per batch, then one exclusive-create write per .eml), then deletes the rows: that work ' +
        'shares the CPU with the requests, so it is part of the measured cost. ' +
        '`GET /healthz` passes through the same middleware as every request (request id, the JSON request log line, the ' +
        'Prometheus histogram, the body limit; only the JSON content-type check of `/v1/` does not concern it), so it is a ' +
        'like-for-like ceiling. ' +
        `\`PUT /v1/preferences\` rotates over the manage tokens of ${fmtInt(MANAGED_SUBSCRIBERS)} confirmed subscribers ` +
        'inserted beforehand (token verified, subscriber read, choices validated and updated). ' +
        `After a ${WARMUP_SECONDS}-second warm-up per endpoint, each endpoint ran at full load, then at ${FIXED_RATE} ` +
        'requests/s in two ways, one after the other in one run; after each run the bench waited until the app had ' +
        'finished every request it had received and the pump had sent every queued notice before starting the next. ' +
        'Then the sign-up runs again, the same three ways, on a second app (its own schema and pool) configured as production ' +
        'is: `RESEND_API_KEY` set, so the pump posts each batch through the real `resend` SDK (batch API, idempotency key) ' +
        'to the fake Resend of testkit running in a process of its own (`fake-resend-process.ts`: reads and parses ' +
        'the body, hashes it for idempotency, answers at once, keeps only who got what). CPU per request is read for every ' +
        'process involved: the app (`process.cpuUsage`), the PostgreSQL backends serving the bench database and the load ' +
        "generator and fake Resend processes (`/proc/<pid>/stat`; PostgreSQL's shared WAL writer and checkpointer are not counted):",
      '',
      `- full load: ${FULL_CONNECTIONS} connections, each sending its next request as soon as the answer arrives.`,
      `- ${FIXED_RATE}/s with autocannon \`overallRate\` (as the issue suggests): autocannon keeps a rate per ` +
        `connection and per wall-clock second, so each of the ${BURST_CONNECTIONS} connections sends its ` +
        `${FIXED_RATE / BURST_CONNECTIONS} requests back to back at the start of every second and then waits: the ` +
        `${FIXED_RATE} requests of a second arrive as a burst at concurrency ${BURST_CONNECTIONS}.`,
      `- ${FIXED_RATE}/s evenly spaced, as independent readers would arrive: autocannon cannot space requests, so the ` +
        `same child sends the same requests with \`node:http\`, one every ${1000 / FIXED_RATE} ms on a fixed schedule ` +
        `whatever the answers do (open loop), over keep-alive connections (at most ${PACED_MAX_CONNECTIONS} in flight); ` +
        'latency runs from the scheduled send time, so a queue on either side counts; a request still unanswered ' +
        `${PACED_GRACE_MS / 1000} s after the last scheduled send is counted as a timeout.`,
      '',
      `The durable-INSERT limit, in the same run at the same concurrency (full load, ${FULL_CONNECTIONS} connections, right after the sign-ups): ` +
        `\`POST ${DURABLE_INSERT_PATH}\` on the same app and server, a route added after the app's middleware, so each request takes the ` +
        "sign-up's path through them (request id, the JSON request log line, the Prometheus histogram, the body limit, the JSON content-type " +
        'check) with the same body (a new address per request); its handler reads the JSON and runs one statement, ' +
        '`insert into bench_durable (email) values ($1) returning id`, committed on its own (autocommit, so one WAL flush) through the same ' +
        'Kysely instance and pg pool, then answers 202: the rate a sign-up could reach if its handler were a single durable write. ' +
        'Sign-up is given as a ratio of it (the "vs durable INSERT" column).',
      '',
      "In the autocannon runs latency is autocannon's, from writing a request to its answer, and the percentiles are " +
        "computed here over every response; in the burst runs autocannon's coordinated-omission correction is " +
        'switched off (`ignoreCoordinatedOmission`): with a rate it assumes an interval of `ceil(1 / rate)` = 1 ms ' +
        'and would fill in a made-up sample for every millisecond of each slow answer.',
      '',
      { columns, rows: tableRows(results) },
      '',
      ...signupRuns.map(
        (r) =>
          `- ${labelOf(r)}, ${phaseShort[r.phase]}: ${fmtInt(r.ok)} answered 202 within the run, ${fmtInt(r.emailsAtEnd ?? 0)} confirmation ` +
          `emails handed over (${r.transport === 'resend' ? 'received by the fake Resend' : '.eml files written'}) by its end, the rest (to ${fmtInt(r.emailsAfterDrain ?? 0)}) within ${fmtInt(r.drainMs ?? 0)} ms after it` +
          ((r.emailsAfterDrain ?? 0) > r.ok
            ? ` (${fmtInt((r.emailsAfterDrain ?? 0) - r.ok)} more than counted: requests still in flight when the run ended` +
              `${r.timeouts > 0 ? ' or counted as timeouts' : ''} were still accepted by the app)`
            : '') +
          '.',
      ),
      ...results
        .filter((r) => r.senderLag)
        .map(
          (r) =>
            `- ${labelOf(r)}, evenly spaced: the sender itself handed requests over late by p99 ` +
            `${ms(r.senderLag!.p99)} ms (max ${ms(r.senderLag!.max)} ms) against the schedule; that lateness is inside the latencies above.`,
        ),
      `- ${consistency}`,
      `- ${resendConsistency}`,
      '',
      'CPU in the same runs (the app: event-loop utilisation over the run; CPU time, user + system, of each process over ' +
        'the run and, for sign-ups, until their emails were handed over, divided by the requests):',
      '',
      { columns: appColumns, rows: appRows(results) },
      '',
      "Where a sign-up's CPU goes: its steps timed one call at a time in the app process after the load, each step " +
        `warmed up with ${PROFILE_WARMUP_CALLS} calls, then ${PROFILE_ROUNDS} rounds taking the steps in turn, ` +
        `${Math.round(PROFILE_CALLS / PROFILE_ROUNDS)} calls per step per round, figures per call are the median of the rounds; CPU is the ` +
        "whole process's user + system time, so it includes libuv's file-system threads and the garbage collector:",
      '',
      { columns: profileColumns, rows: profileRows(profile) },
      '',
      ...(whole && statement && drained && single
        ? [
            `A sign-up answered without its email costs ${whole.cpuMs.toFixed(2)} ms of CPU through \`app.request\` ` +
              `(${statement.cpuMs.toFixed(2)} ms of it the statement: building it, the round trip, reading the answer); ` +
              `its email, sent later in a batch, ${drained.cpuMs.toFixed(2)} ms per notice (one sent alone through the outbox: ` +
              `${single.cpuMs.toFixed(2)} ms). Both run in the app process, so under load the requests and the pump share its one event loop.`,
            '',
            `On latency: one sign-up at a time, with nothing else from this bench running, took ${whole.wallMs.toFixed(1)} ms ` +
              `of wall time through \`app.request\`, ${statement.wallMs.toFixed(1)} ms of it the statement (one round trip, ` +
              'one commit, i.e. one WAL flush).',
            '',
          ]
        : []),
      ...(healthzBurst && healthzPaced && signupFullRun && healthzFull
        ? (() => {
            const total = (r: Measured) =>
              r.cpuMsPerRequest + r.postgresCpuMsPerRequest + r.loadCpuMsPerRequest + (r.resendCpuMsPerRequest ?? 0);
            const budget = (r: Measured) =>
              `app ${r.cpuMsPerRequest.toFixed(2)}` +
              (r.postgresCpuMsPerRequest >= 0.005 ? ` + PostgreSQL ${r.postgresCpuMsPerRequest.toFixed(2)}` : '') +
              ` + load generator ${r.loadCpuMsPerRequest.toFixed(2)}` +
              (r.resendCpuMsPerRequest !== undefined ? ` + fake Resend ${r.resendCpuMsPerRequest.toFixed(2)}` : '') +
              ` = ${total(r).toFixed(2)} ms`;
            const resendFull = results.find((r) => r.phase === 'full' && r.scenario === 'signup' && r.transport === 'resend');
            const h = healthzFull;
            const maxFactor = 1 / GOAL_SIGNUP_VS_HEALTHZ;
            return [
              'Reading these figures: ' +
                (busyText
                  ? `${busyText.replace(/^all/, 'All')}, the rest going to PostgreSQL, the load generator and other people's work; `
                  : '') +
                `\`GET /healthz\`, which does no work, had a p99 of ${ms(healthzBurst.latency.p99)} ms (bursts) and ` +
                `${ms(healthzPaced.latency.p99)} ms (evenly spaced) at 200 requests/s with the app's event loop only ` +
                `${(healthzBurst.eventLoopUtilization * 100).toFixed(0)}-${(healthzPaced.eventLoopUtilization * 100).toFixed(0)}% busy. ` +
                'On this shared, oversubscribed machine, waiting for a CPU is part of every latency here and absolute rates ' +
                'move from run to run (a second run can differ by half); re-measure on a quiet machine before reading a ' +
                'p99 near the goal. What carries over is the CPU per request.',
              '',
              `CPU budget at full load, per request: \`/healthz\` ${budget(h)}; a sign-up through the outbox ${budget(signupFullRun)}` +
                (resendFull ? `; through Resend ${budget(resendFull)}` : '') +
                ". At full load the app's one event loop is busy all the time and the two cores are shared by every process, " +
                `so the rate ratio follows the CPU per request: about ${h.cpuMsPerRequest.toFixed(2)} / ${signupFullRun.cpuMsPerRequest.toFixed(2)} = ` +
                `${fmtRatio(h.cpuMsPerRequest / signupFullRun.cpuMsPerRequest)} by the app's CPU and ${total(h).toFixed(2)} / ${total(signupFullRun).toFixed(2)} = ` +
                `${fmtRatio(total(h) / total(signupFullRun))} by the machine's` +
                (resendFull
                  ? ` (through Resend ${fmtRatio(h.cpuMsPerRequest / resendFull.cpuMsPerRequest)} and ${fmtRatio(total(h) / total(resendFull))})`
                  : '') +
                ` against the ${fmtRatio(v.ratio)} measured (a sign-up's CPU includes the emails finished after the run)` +
                `. The ${GOAL_SIGNUP_VS_HEALTHZ}x goal needs a sign-up to cost at most ${maxFactor.toFixed(1)}x a \`/healthz\` answer, ` +
                `i.e. about ${(maxFactor * h.cpuMsPerRequest).toFixed(2)} ms of app CPU and ${(maxFactor * total(h)).toFixed(2)} ms in all: ` +
                (whole && statement && drained
                  ? `its request alone took ${whole.cpuMs.toFixed(2)} ms through \`app.request\` one at a time (${statement.cpuMs.toFixed(2)} ms of it the statement), ` +
                    `its outbox email ${drained.cpuMs.toFixed(2)} ms drained in batches, and `
                  : '') +
                `PostgreSQL's ${signupFullRun.postgresCpuMsPerRequest.toFixed(2)} ms per sign-up (the writes: two rate-limit counters, the subscriber, the ` +
                'notice row and its later delete, and a WAL flush per commit, which durability needs before the 202) runs on the same ' +
                'two cores. So on this machine the goal is out of reach with any transport; a sign-up is a durable write and `/healthz` is not.',
              '',
              `\`PUT /v1/preferences\` (${putCpu.toFixed(2)} ms of app CPU) needs about ${((FIXED_RATE * putCpu) / 1000).toFixed(2)} of a core at ${FIXED_RATE}/s.`,
              '',
            ];
          })()
        : []),
      'Goals (issue 5):',
      '',
      `- Sign-up ${fmtInt(rps(results.find((r) => r.phase === 'full' && r.scenario === 'signup' && r.transport === 'outbox')!))} requests/s = ` +
        `${fmtRatio(v.ratio)} of healthz at full load with the outbox (goal >= ${GOAL_SIGNUP_VS_HEALTHZ}x: **${v.ratioOk ? 'met' : 'not met'}**)` +
        (Number.isFinite(v.resendRatio)
          ? `; through Resend ${fmtInt(rps(results.find((r) => r.phase === 'full' && r.scenario === 'signup' && r.transport === 'resend')!))} requests/s = ` +
            `${fmtRatio(v.resendRatio)} (**${v.resendRatioOk ? 'met' : 'not met'}**)`
          : '') +
        '.',
      `- Sign-up at full load = ${fmtRatio(v.durableRatio)} of the durable-INSERT limit (${fmtInt(v.durable ? rps(v.durable) : Number.NaN)} requests/s ` +
        `of \`POST ${DURABLE_INSERT_PATH}\`, same run, same ${FULL_CONNECTIONS} connections; goal >= ${GOAL_SIGNUP_VS_DURABLE}x: **${met(v.durableRatioOk)}**).`,
      ...(
        [
          ['signup', 'outbox'],
          ['signup', 'resend'],
          ['preferences', 'outbox'],
        ] as const
      )
        .filter(([s, t]) => results.some((r) => r.scenario === s && r.transport === t))
        .map(
          ([s, t]) =>
            `- ${labelOf({ scenario: s, transport: t })} at ${FIXED_RATE} requests/s: p99 ${ms(v.p99('burst', s, t))} ms in autocannon's bursts ` +
            `(goal < ${GOAL_P99_MS} ms: **${v.p99Ok('burst', s, t) ? 'met' : 'not met'}**), ${ms(v.p99('paced', s, t))} ms evenly ` +
            `spaced (**${v.p99Ok('paced', s, t) ? 'met' : 'not met'}**)` +
            (results.some((r) => r.scenario === s && r.transport === t && r.phase !== 'full' && rps(r) < FIXED_RATE * 0.95)
              ? `; ${FIXED_RATE}/s was not reached in every fixed-rate run (see requests/s), which counts as not met`
              : '') +
            '.',
        ),
      `- Non-2xx answers: ${fmtInt(results.reduce((n, r) => n + r.non2xx, 0))} in all runs (goal 0: ` +
        `**${results.every((r) => r.non2xx === 0) ? 'met' : 'not met'}**; a 429 would mean the rate limits, not the endpoint, were measured); ` +
        `connection errors ${fmtInt(results.reduce((n, r) => n + r.errors, 0))}, timeouts ${fmtInt(results.reduce((n, r) => n + r.timeouts, 0))}` +
        (results.some((r) => r.timeouts > 0)
          ? ` (${results
              .filter((r) => r.timeouts > 0)
              .map((r) => `${labelOf(r)} ${phaseShort[r.phase]}: ${fmtInt(r.timeouts)}`)
              .join('; ')}: the app fell behind the schedule)`
          : '') +
        '.',
    ]),
  };
}
