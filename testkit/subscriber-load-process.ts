/**
 * The subscriber endpoints' load generator, run as its own process (`subscriber-load.ts` forks
 * it): autocannon driven through its API so each request is built on the fly, or evenly spaced
 * requests with node:http; one run per message from the parent, the summary sent back.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { categoryIds } from '../src/taxonomy/categories';
import { countries, regions } from '../src/taxonomy/countries';
import { percentile } from './stats';

export type Scenario = 'healthz' | 'signup' | 'preferences' | 'durable';

/** The route the subscriptions bench adds to the app: the sign-up's body, one INSERT ... RETURNING. */
export const DURABLE_INSERT_PATH = '/v1/bench/durable-insert';

/** Waits this long past the last scheduled send before counting what has no answer as a timeout. */
const PACED_GRACE_MS = 2_000;

/**
 * - closed: `connections` connections, each sending its next request when the answer arrives.
 * - burst: autocannon's `overallRate` over `connections`: each connection sends its share of
 *   the rate back to back at the start of every second, then waits for the next second.
 * - paced: one request every 1000/rate ms on a fixed schedule (open loop), over keep-alive
 *   connections, up to `connections` of them in flight (node:http; autocannon cannot space
 *   requests evenly).
 */
export type Pattern = 'closed' | 'burst' | 'paced';

export interface LoadRequest {
  type: 'run';
  url: string;
  scenario: Scenario;
  pattern: Pattern;
  connections: number;
  seconds: number;
  rate?: number;
  tokens?: string[];
}

export interface LoadSummary {
  scenario: Scenario;
  pattern: Pattern;
  connections: number;
  rate: number | undefined;
  seconds: number;
  total: number;
  ok: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** paced only: how late the sender itself handed requests over, against their schedule (p99, max). */
  senderLag?: { p99: number; max: number };
}

/** The little of autocannon's API used here (it ships no types). */
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
interface AutocannonResult {
  duration: number;
  non2xx: number;
  '2xx': number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): void;
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

/** Counts every request the child builds, across runs, so addresses and client IPs never repeat. */
let sequence = 0;

/** A private client address per request for X-Forwarded-For (10.0.0.0/8 has room for 16M). */
function clientIp(n: number): string {
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

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

function requestFor(message: LoadRequest, runTag: string) {
  const json = { 'content-type': 'application/json' };
  switch (message.scenario) {
    case 'healthz':
      return { method: 'GET', path: '/healthz' };
    case 'signup':
    case 'durable':
      // The same body to the sign-up's path, or to the durable-INSERT route beside it.
      return {
        method: 'POST',
        path: message.scenario === 'signup' ? '/v1/subscriptions' : DURABLE_INSERT_PATH,
        headers: json,
        setupRequest(request: AutocannonRequest) {
          const n = ++sequence;
          request.headers = { ...request.headers, ...json, 'x-forwarded-for': clientIp(n) };
          request.body = JSON.stringify({ email: `reader.${runTag}.${n}@bench.example.org`, ...choices(n) });
          return request;
        },
      };
    case 'preferences': {
      const tokens = message.tokens ?? [];
      return {
        method: 'PUT',
        path: '/v1/preferences',
        headers: json,
        setupRequest(request: AutocannonRequest) {
          const n = ++sequence;
          request.path = `/v1/preferences?token=${tokens[n % tokens.length]}`;
          request.headers = { ...request.headers, ...json, 'x-forwarded-for': clientIp(n) };
          request.body = JSON.stringify(choices(n));
          return request;
        },
      };
    }
  }
}

function summarise(
  message: LoadRequest,
  latencies: number[],
  statusCodes: Record<string, number>,
  seconds: number,
  errors: number,
  timeouts: number,
): LoadSummary {
  latencies.sort((a, b) => a - b);
  const counted = Object.entries(statusCodes);
  return {
    scenario: message.scenario,
    pattern: message.pattern,
    connections: message.connections,
    rate: message.rate,
    seconds,
    total: latencies.length,
    ok: counted.filter(([code]) => code.startsWith('2')).reduce((acc, [, n]) => acc + n, 0),
    non2xx: counted.filter(([code]) => !code.startsWith('2')).reduce((acc, [, n]) => acc + n, 0),
    statusCodes,
    errors,
    timeouts,
    latency: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    },
  };
}

/** closed and burst: one autocannon run; every response's latency is kept for the percentiles. */
function autocannonRun(autocannon: Autocannon, message: LoadRequest, runTag: string): Promise<LoadSummary> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: message.url,
        connections: message.connections,
        duration: message.seconds,
        // With a rate, autocannon's correction for coordinated omission assumes an interval of
        // ceil(1 / rate) = 1 ms and would add made-up samples: the latencies here are the real ones.
        ...(message.pattern === 'burst' ? { overallRate: message.rate, ignoreCoordinatedOmission: true } : {}),
        timeout: 10,
        requests: [requestFor(message, runTag)],
      },
      (error, result) =>
        error ? reject(error) : resolve(summarise(message, latencies, statusCodes, result.duration, result.errors, result.timeouts)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    });
  });
}

/**
 * paced: one request every 1000/rate ms on its own schedule, whatever the answers do (open
 * loop), over keep-alive connections (as many as are in flight). The requests are the ones
 * autocannon is given; latency runs from the scheduled send time, so a late timer counts against
 * the app rather than hiding a queue.
 */
async function pacedRun(message: LoadRequest, runTag: string): Promise<LoadSummary> {
  const template = requestFor(message, runTag) as {
    method: string;
    path: string;
    headers?: Record<string, string>;
    setupRequest?: (r: AutocannonRequest) => AutocannonRequest;
  };
  const target = new URL(message.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: message.connections });
  const interval = 1000 / message.rate!;
  const count = Math.round(message.rate! * message.seconds);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  const t0 = performance.now() + 20;
  let unanswered = 0;
  let cutOff = false;
  const outstanding = new Set<http.ClientRequest>();
  const lags: number[] = [];
  await new Promise<void>((resolve) => {
    let sent = 0;
    let finished = 0;
    // Bounded: what has no answer PACED_GRACE_MS after the last scheduled send counts as a timeout.
    // Their requests are destroyed, including those still queued for a connection, so nothing is
    // sent after the run.
    const deadline = setTimeout(
      () => {
        unanswered = count - finished;
        finished = Number.NEGATIVE_INFINITY;
        cutOff = true;
        for (const pending of outstanding) pending.destroy();
        resolve();
      },
      20 + message.seconds * 1000 + PACED_GRACE_MS,
    );
    const done = () => {
      if (++finished === count) {
        clearTimeout(deadline);
        resolve();
      }
    };
    const fire = (scheduled: number) => {
      const base: AutocannonRequest = { method: template.method, path: template.path, headers: { ...template.headers } };
      const request = template.setupRequest ? template.setupRequest(base) : base;
      lags.push(performance.now() - scheduled);
      const body = request.body ?? '';
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.path,
          headers: { ...request.headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
          timeout: 10_000,
        },
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
  return {
    ...summarise(message, latencies, statusCodes, seconds, errors, timeouts + unanswered),
    senderLag: { p99: percentile(lags, 99), max: lags.at(-1) ?? Number.NaN },
  };
}

function loadRun(autocannon: Autocannon, message: LoadRequest, runTag: string): Promise<LoadSummary> {
  return message.pattern === 'paced' ? pacedRun(message, runTag) : autocannonRun(autocannon, message, runTag);
}

async function serve(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const runTag = `${process.pid}`;
  process.on('message', async (message: LoadRequest | { type: 'exit' }) => {
    if (message.type === 'exit') {
      process.disconnect?.();
      return;
    }
    try {
      process.send!({ type: 'result', summary: await loadRun(autocannon, message, runTag) });
    } catch (error) {
      process.send!({ type: 'error', message: (error as Error).stack ?? String(error) });
    }
  });
  process.send!({ type: 'ready' });
}

if (process.send) void serve();
