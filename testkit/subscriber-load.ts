/**
 * The subscriber endpoints' load generator in a child process of its own (this file, forked with
 * the parent's exec arguments, tsx included): autocannon driven through its API so each request
 * is built on the fly, or evenly spaced requests with node:http; one run per message. The parent
 * side (`measureLoad`) reads the CPU of every process involved over a run.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { performance as nodePerformance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from '../src/db/database';
import { categoryIds } from '../src/taxonomy/categories';
import { countries, regions } from '../src/taxonomy/countries';
import type { startFakeResendProcess } from './fake-resend-process';
import { serveCommands, startServed } from './ipc';
import { cpuMeter, postgresBackends } from './machine';
import { percentile } from './stats';

export type Scenario = 'healthz' | 'signup' | 'preferences' | 'durable';
/** The route the subscriptions bench adds to the app: the sign-up's body, one INSERT ... RETURNING. */
export const DURABLE_INSERT_PATH = '/v1/bench/durable-insert';
/** Waits this long past the last scheduled send before counting what has no answer as a timeout. */
const PACED_GRACE_MS = 2_000;

/**
 * - closed: `connections` connections, each sending its next request when the answer arrives.
 * - burst: autocannon's `overallRate`: each connection sends its share of the rate back to back
 *   at the start of every second, then waits for the next second.
 * - paced: one request every 1000/rate ms on a fixed schedule (open loop), up to `connections` in
 *   flight over keep-alive connections (node:http; autocannon cannot space requests evenly).
 */
export type Pattern = 'closed' | 'burst' | 'paced';
export interface LoadRequest {
  url: string;
  scenario: Scenario;
  pattern: Pattern;
  connections: number;
  seconds: number;
  rate?: number;
  tokens?: string[];
}
export type LoadSummary = ReturnType<typeof summarise> & { senderLag?: { p99: number; max: number } };

/** The little of autocannon's API used here (it ships no types). */
interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
type Autocannon = (
  options: Record<string, unknown>,
  done: (error: Error | null, result: { duration: number; errors: number; timeouts: number }) => void,
) => { on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): void };

const countryIds = countries.map((c) => c.id);
const timeZones = ['Europe/Berlin', 'Asia/Almaty', 'America/Bogota', 'Africa/Nairobi', 'UTC', 'Asia/Dhaka'];

/** Varied but valid choices: 1-3 countries, sometimes a region, 0-2 categories. */
export function choices(n: number) {
  const pick = <T>(list: readonly T[], k: number) => list[(n * 7919 + k * 104_729) % list.length]!;
  return {
    countries: Array.from({ length: 1 + (n % 3) }, (_, k) => pick(countryIds, k)),
    regions: n % 4 === 0 ? [pick(regions, 5)] : [],
    categories: Array.from({ length: n % 3 }, (_, k) => pick(categoryIds, k + 11)),
    frequency: (n % 5 === 0 ? 'weekly' : 'monthly') as 'weekly' | 'monthly',
    timezone: pick(timeZones, 3),
    skipEmpty: n % 2 === 0,
  };
}

/** Counts every request the child builds, across runs, so addresses and client IPs (10.0.0.0/8) never repeat. */
let sequence = 0;

/** The request of a scenario; `setupRequest` (autocannon's hook, also used by the paced sender) gives each its own body. */
function requestFor({ scenario, tokens = [] }: LoadRequest, runTag: string) {
  if (scenario === 'healthz') return { method: 'GET', path: '/healthz', headers: {} };
  const json = { 'content-type': 'application/json' };
  const path = scenario === 'signup' ? '/v1/subscriptions' : scenario === 'durable' ? DURABLE_INSERT_PATH : '/v1/preferences';
  return {
    method: scenario === 'preferences' ? 'PUT' : 'POST',
    path,
    headers: json,
    setupRequest(request: Req) {
      const n = ++sequence;
      request.headers = { ...request.headers, ...json, 'x-forwarded-for': `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}` };
      if (scenario === 'preferences') {
        request.path = `/v1/preferences?token=${tokens[n % tokens.length]}`;
        request.body = JSON.stringify(choices(n));
      } else request.body = JSON.stringify({ email: `reader.${runTag}.${n}@bench.example.org`, ...choices(n) });
      return request;
    },
  };
}

function summarise(
  m: LoadRequest,
  latencies: number[],
  statusCodes: Record<string, number>,
  seconds: number,
  errors: number,
  timeouts: number,
) {
  latencies.sort((a, b) => a - b);
  const count = (ok: boolean) =>
    Object.entries(statusCodes)
      .filter(([code]) => code.startsWith('2') === ok)
      .reduce((a, [, n]) => a + n, 0);
  const [p50, p90, p99] = [50, 90, 99].map((p) => percentile(latencies, p)) as [number, number, number];
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  const { scenario, pattern, connections, rate } = m;
  return {
    ...{ scenario, pattern, connections, rate, seconds, total: latencies.length, ok: count(true), non2xx: count(false) },
    ...{ statusCodes, errors, timeouts, latency: { p50, p90, p99, max: latencies.at(-1) ?? Number.NaN, mean } },
  };
}

/** closed and burst: one autocannon run; every response's latency is kept for the percentiles. */
function autocannonRun(autocannon: Autocannon, m: LoadRequest, runTag: string): Promise<LoadSummary> {
  const [latencies, statusCodes] = [[] as number[], {} as Record<string, number>];
  return new Promise((resolve, reject) => {
    const options = {
      ...{ url: m.url, connections: m.connections, duration: m.seconds, timeout: 10, requests: [requestFor(m, runTag)] },
      // With a rate, autocannon's correction for coordinated omission assumes an interval of
      // ceil(1 / rate) = 1 ms and would add made-up samples: the latencies here are the real ones.
      ...(m.pattern === 'burst' ? { overallRate: m.rate, ignoreCoordinatedOmission: true } : {}),
    };
    autocannon(options, (error, result) =>
      error ? reject(error) : resolve(summarise(m, latencies, statusCodes, result.duration, result.errors, result.timeouts)),
    ).on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    });
  });
}

/**
 * paced: one request every 1000/rate ms on its own schedule, whatever the answers do (open loop).
 * Latency runs from the scheduled send time, so a late timer counts against the app rather than
 * hiding a queue. What has no answer PACED_GRACE_MS after the last scheduled send is a timeout,
 * and its request is destroyed (also when still queued for a connection): nothing is sent after.
 */
async function pacedRun(m: LoadRequest, runTag: string): Promise<LoadSummary> {
  const template = requestFor(m, runTag);
  const target = new URL(m.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: m.connections });
  const [interval, count] = [1000 / m.rate!, Math.round(m.rate! * m.seconds)];
  const [latencies, lags, statusCodes] = [[] as number[], [] as number[], {} as Record<string, number>];
  const outstanding = new Set<http.ClientRequest>();
  let [errors, timeouts, unanswered, sent, finished, cutOff] = [0, 0, 0, 0, 0, false];
  const t0 = performance.now() + 20;
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(
      () => {
        [unanswered, finished, cutOff] = [count - finished, Number.NEGATIVE_INFINITY, true];
        for (const pending of outstanding) pending.destroy();
        resolve();
      },
      20 + m.seconds * 1000 + PACED_GRACE_MS,
    );
    const done = () => {
      if (++finished !== count) return;
      clearTimeout(deadline);
      resolve();
    };
    const fire = (scheduled: number) => {
      const base = { method: template.method, path: template.path, headers: { ...template.headers } };
      const request: Req = template.setupRequest?.(base) ?? base;
      lags.push(performance.now() - scheduled);
      const body = request.body ?? '';
      const headers = { ...request.headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) };
      const req = http.request(
        { agent, host: target.hostname, port: target.port, method: request.method, path: request.path, headers, timeout: 10_000 },
        (res) => {
          res.resume();
          res.on('end', () => {
            outstanding.delete(req);
            latencies.push(performance.now() - scheduled);
            statusCodes[res.statusCode ?? 0] = (statusCodes[res.statusCode ?? 0] ?? 0) + 1;
            done();
          });
        },
      );
      let timedOut = false;
      req.on('timeout', () => {
        timedOut = true;
        timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        outstanding.delete(req);
        if (!timedOut && !cutOff) errors++;
        done();
      });
      outstanding.add(req);
      req.end(body);
    };
    const tick = () => {
      const at = performance.now();
      while (sent < count && t0 + sent * interval <= at) fire(t0 + sent++ * interval);
      if (sent < count) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
    };
    setTimeout(tick, 20);
  });
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  lags.sort((a, b) => a - b);
  const senderLag = { p99: percentile(lags, 99), max: lags.at(-1) ?? Number.NaN };
  return { ...summarise(m, latencies, statusCodes, seconds, errors, timeouts + unanswered), senderLag };
}

/** The child (this file), answering one run per ask. */
export async function startLoadGenerator() {
  const child = await startServed(fileURLToPath(import.meta.url), { args: ['--child'] });
  return { pid: child.pid, run: (request: LoadRequest) => child.ask<LoadSummary>('run', request), stop: child.close };
}

/** One run's figures: the load summary, the emails of sign-ups, the app's event loop and each process's CPU per request. */
export interface Measured extends LoadSummary {
  phase: 'full' | 'burst' | 'paced';
  transport: 'outbox' | 'resend';
  /** Sign-up only: confirmation emails handed over when the run ended, after the drain, and the drain's ms. */
  emails?: { atEnd: number; after: number; drainMs: number };
  elu: number;
  /** CPU ms per request of the app, PostgreSQL's backends of the database, the load generator, the fake Resend. */
  cpu: { app: number; postgres: number; load: number; resend?: number };
}

export type LoadContext = {
  generator: Awaited<ReturnType<typeof startLoadGenerator>>;
  resend?: Awaited<ReturnType<typeof startFakeResendProcess>>;
  database: string;
  tokens: string[];
};

/** One run of one endpoint against `app`, with the CPU of every process involved over it (and, for sign-ups, until their emails left). */
export async function measureLoad(
  ctx: LoadContext,
  app: { baseUrl: string; transport: Measured['transport']; emailsSent(): Promise<number>; settle(): Promise<void> },
  run: Omit<LoadRequest, 'url' | 'tokens'> & { phase: Measured['phase'] },
): Promise<Measured> {
  const emailsBefore = await app.emailsSent();
  const resendPid = app.transport === 'resend' ? ctx.resend?.pid : undefined;
  const meters = {
    postgres: cpuMeter(() => postgresBackends(ctx.database)),
    load: cpuMeter(() => [ctx.generator.pid]),
    resend: resendPid === undefined ? undefined : cpuMeter(() => [resendPid]),
  };
  const [elu, cpu] = [nodePerformance.eventLoopUtilization(), process.cpuUsage()];
  const { phase, ...request } = run;
  const summary = await ctx.generator.run({ url: app.baseUrl, ...request, ...(run.scenario === 'preferences' && { tokens: ctx.tokens }) });
  const utilization = nodePerformance.eventLoopUtilization(elu).utilization;
  const atEnd = (await app.emailsSent()) - emailsBefore;
  const drainStarted = performance.now();
  await app.settle();
  const emails = { atEnd, after: (await app.emailsSent()) - emailsBefore, drainMs: performance.now() - drainStarted };
  const used = process.cpuUsage(cpu);
  const n = Math.max(1, summary.total);
  return {
    ...summary,
    ...{ phase, transport: app.transport, elu: utilization, ...(run.scenario === 'signup' && { emails }) },
    cpu: {
      app: (used.user + used.system) / 1000 / n,
      postgres: meters.postgres() / n,
      load: meters.load() / n,
      ...(meters.resend && { resend: meters.resend() / n }),
    },
  };
}

/** What the app's tables hold after the load: pending subscribers, notices queued and failed, rate-limit rows (formatted). */
export async function stateAfter(db: Db) {
  const { rows } = await sql<{ pending: number; queued: number; failed: number; limits: number }>`
    select (select count(*)::int from subscribers where status = 'pending') as pending,
      (select count(*)::int from signup_notices where failed_at is null) as queued,
      (select count(*)::int from signup_notices where failed_at is not null) as failed,
      (select count(*)::int from rate_limits) as limits`.execute(db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, v.toLocaleString('en-US')]));
}

if (process.argv.includes('--child') && process.argv[1] === fileURLToPath(import.meta.url)) {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const runTag = `${process.pid}`;
  serveCommands({ run: (m: LoadRequest) => (m.pattern === 'paced' ? pacedRun(m, runTag) : autocannonRun(autocannon, m, runTag)) });
}
