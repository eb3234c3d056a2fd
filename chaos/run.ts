import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatabaseHandle, openPostgres } from '../src/db/connect';
import { adminQueryAt as adminQuery } from '../testkit/db-targets';
import { startFakeResend } from '../testkit/fake-resend';
import { pick, prng } from '../testkit/random';
import { startReceiver } from '../testkit/webhook-receiver';
import { checkOutcome } from './checks';
import { revisionOf, startChangingFeed } from './feed';
import { createInstances, type InstanceStats, type Instances } from './instances';
import { registerEndpoints, subscriberSeeder } from './seed';
import { startTraffic, type TrafficStats } from './traffic';

export interface ChaosOptions {
  /** PostgreSQL on this machine; the run works in a fresh schema it drops at the end. */
  databaseUrl: string;
  /** How long instances are killed and restarted. */
  durationMs: number;
  instances?: number;
  /** Confirmed subscribers inserted before the kills start, then `wave` more every `waveEveryMs` while they go on. */
  subscribers?: { initial: number; wave: number; waveEveryMs: number };
  /** A random instance is killed every `min`-`max` ms, and started again `restartAfterMs` later. */
  killEveryMs?: { min: number; max: number };
  restartAfterMs?: number;
  /** The feed changes this often. */
  feedEveryMs?: number;
  trafficEveryMs?: number;
  /** Bound on the wait for the queues to drain once the kills stop. */
  drainTimeoutMs?: number;
  seed?: number;
  keepSchema?: boolean;
  log?: (line: string) => void;
}

export interface ChaosReport {
  schema: string;
  logDir: string;
  seed: number;
  durationMs: number;
  /** From the last kill until an instance served again (a boot time, mostly). */
  restartWaitMs: number;
  drainMs: number;
  drained: boolean;
  kills: number;
  restarts: number;
  instances: InstanceStats[];
  shutdownExitCodes: (number | null)[];
  feed: { events: number; edits: number };
  traffic: TrafficStats;
  outcome: Awaited<ReturnType<typeof checkOutcome>>;
  problems: string[];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The run starts real servers and writes to the database: only on this machine. */
export function assertLoopbackDatabase(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the database URL is not a URL');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error('the database URL must be postgres:// or postgresql://');
  if (!LOOPBACK_HOSTS.has(parsed.hostname) || parsed.searchParams.has('host')) {
    throw new Error(
      `refusing to run chaos against ${parsed.hostname || 'a socket'}: only a PostgreSQL on loopback (127.0.0.1, ::1, localhost)`,
    );
  }
}

/** The same URL with every connection's search_path set to `schema` (libpq's `options`, which pg reads too). */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Several instances under faults: three Node servers on one PostgreSQL schema, a changing
 * feed, a Resend that fails 10% of calls, webhook receivers that fail 20%, due digests and
 * a trickle of HTTP traffic, while a random instance is SIGKILLed and restarted every few
 * seconds. Then the kills stop, the queues drain (bounded) and the outcome is checked.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  assertLoopbackDatabase(options.databaseUrl);
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = prng(seed);
  const schema = `chaos_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const logDir = mkdtempSync(join(tmpdir(), 'tracker-chaos-'));
  const subscriberPlan = options.subscribers ?? { initial: 200, wave: 40, waveEveryMs: 5_000 };
  const killEvery = options.killEveryMs ?? { min: 2_000, max: 5_000 };
  const cleanups: (() => Promise<unknown>)[] = [];

  await adminQuery(options.databaseUrl, `create schema ${schema}`);
  if (!options.keepSchema) cleanups.push(() => adminQuery(options.databaseUrl, `drop schema ${schema} cascade`));
  let database: DatabaseHandle | undefined;
  try {
    // A slow provider (2 s a call) keeps digest batches in flight, where a kill hurts most.
    const resend = await startFakeResend({ latencyMs: 2_000 });
    cleanups.unshift(() => resend.close());
    resend.failRandomly({
      rate: 0.1,
      seed,
      faults: [
        { type: 'server-error', status: 500 },
        { type: 'rate-limit', retryAfterSeconds: 1 },
      ],
    });
    const feed = await startChangingFeed(random);
    cleanups.unshift(() => feed.close());
    const receivers = await Promise.all(
      [0, 1, 2].map(() => startReceiver({ status: () => (random() < 0.2 ? pick(random, [500, 502, 503]) : 200) })),
    );
    cleanups.unshift(() => Promise.all(receivers.map((r) => r.close())));

    const adminToken = randomBytes(24).toString('hex');
    const instances = await createInstances({
      count: options.instances ?? 3,
      logDir,
      env: instanceEnv({ databaseUrl: withSearchPath(options.databaseUrl, schema), logDir, adminToken, resend, feedUrl: feed.url }),
    });
    cleanups.unshift(() => instances.stopAll(2_000));

    // All three start at once on an empty schema: their migrations race, as on a fresh deploy.
    log(`schema ${schema}, logs in ${logDir}, seed ${seed}: starting ${options.instances ?? 3} instances`);
    const bootStarted = Date.now();
    await instances.startAll();
    await instances.allReady(180_000);
    log(`  all up after ${((Date.now() - bootStarted) / 1000).toFixed(1)} s`);
    database = openPostgres(options.databaseUrl, { searchPath: schema, max: 4 });
    const db = database.db;

    const endpoints = await registerEndpoints(instances.urlOf(0), adminToken, receivers);
    const { subscribers, seed: seedSubscribers } = subscriberSeeder(db, random);
    await seedSubscribers(subscriberPlan.initial);

    // Faults and load.
    const startedAt = new Date();
    feed.tick();
    feed.start(options.feedEveryMs ?? 1_500);
    const traffic = startTraffic({
      urls: () => instances.ports().map((p) => `http://127.0.0.1:${p}`),
      intervalMs: options.trafficEveryMs ?? 100,
      random,
      eventIds: feed.eventIds,
    });
    const waves = setInterval(
      () => void seedSubscribers(subscriberPlan.wave).catch((error) => log(`seeding a wave failed: ${error}`)),
      subscriberPlan.waveEveryMs,
    );
    log(`killing a random instance every ${killEvery.min / 1000}-${killEvery.max / 1000} s for ${options.durationMs / 1000} s`);
    const { kills, restarts } = await killAtRandom(instances, {
      durationMs: options.durationMs,
      killEvery,
      restartAfterMs: options.restartAfterMs ?? 1_000,
      random,
      log,
    });
    clearInterval(waves);
    feed.stop();
    const endedAt = new Date();

    // Drain, bounded: until the feed's last state is stored and the queues are empty. The killed
    // instances keep booting meanwhile; one serving instance is enough.
    log('kills stopped; waiting for an instance to serve');
    const killsEnded = Date.now();
    await instances.anyReady(180_000);
    const restartWaitMs = Date.now() - killsEnded;
    log(`  ${instances.readyIndexes().length} instances serving after ${(restartWaitMs / 1000).toFixed(1)} s; draining`);
    const drainTimeoutMs = options.drainTimeoutMs ?? 120_000;
    const { drained, drainMs } = await drain(() => stillWaitingFor(db, feed.revisions(), subscribers.length), drainTimeoutMs, log);
    await traffic.stop();
    await Promise.allSettled(restarts);
    const shutdownExitCodes = await instances.stopAll();

    const outcome = await checkOutcome({ db, resend, endpoints, subscribers, feedRevisions: feed.revisions(), startedAt, endedAt });
    const stats = instances.stats();
    const problems = [...outcome.problems];
    if (!drained) problems.unshift(`drain: the queues were not empty after ${drainTimeoutMs / 1000} s`);
    const serverErrors = traffic.stats.serverErrors;
    if (serverErrors.length)
      problems.push(
        `http: ${serverErrors.length} answers were 5xx, e.g. ${serverErrors[0]!.route} ${serverErrors[0]!.status} ${serverErrors[0]!.body}`,
      );
    for (const s of stats) {
      if (s.unexpectedExits.length)
        problems.push(
          `instance ${s.index}: exited ${s.unexpectedExits.length} times unasked, last with ${s.unexpectedExits.at(-1)!.code}: ${s.unexpectedExits.at(-1)!.stderrTail.slice(-300)}`,
        );
    }
    return {
      schema,
      logDir,
      seed,
      durationMs: options.durationMs,
      restartWaitMs,
      drainMs,
      drained,
      kills,
      restarts: stats.reduce((sum, s) => sum + s.starts, 0) - stats.length,
      instances: stats,
      shutdownExitCodes,
      feed: feed.counts(),
      traffic: traffic.stats,
      outcome,
      problems,
    };
  } finally {
    await database?.close();
    for (const cleanup of cleanups) await cleanup().catch((error) => log(`cleanup failed: ${error}`));
  }
}

/** SIGKILLs a serving instance (else one still booting) every few seconds for `durationMs`, each started again shortly after. */
async function killAtRandom(
  instances: Instances,
  input: {
    durationMs: number;
    killEvery: { min: number; max: number };
    restartAfterMs: number;
    random: () => number;
    log: (line: string) => void;
  },
): Promise<{ kills: number; restarts: Promise<unknown>[] }> {
  const restarts: Promise<unknown>[] = [];
  let kills = 0;
  const until = Date.now() + input.durationMs;
  while (Date.now() < until) {
    await sleep(input.killEvery.min + input.random() * (input.killEvery.max - input.killEvery.min));
    if (Date.now() >= until) break;
    const ready = instances.readyIndexes();
    const candidates = ready.length > 0 ? ready : instances.aliveIndexes();
    if (candidates.length === 0) continue;
    const victim = pick(input.random, candidates);
    if (!instances.kill(victim)) continue;
    kills += 1;
    input.log(`  kill -9 instance ${victim} (${kills})`);
    restarts.push(
      sleep(input.restartAfterMs)
        .then(() => instances.start(victim))
        .catch((error) => input.log(`  restart of ${victim} failed: ${error}`)),
    );
  }
  return { kills, restarts };
}

/** Polls `stillWaitingFor` until it has nothing left to wait for, or `timeoutMs` passes. */
async function drain(
  stillWaitingFor: () => Promise<string | undefined>,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<{ drained: boolean; drainMs: number }> {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  let waitingFor: string | undefined;
  while (Date.now() - started < timeoutMs) {
    const reason = await stillWaitingFor();
    if (reason === undefined) {
      log(`drained in ${seconds()} s`);
      return { drained: true, drainMs: Date.now() - started };
    }
    if (reason !== waitingFor) log(`  waiting for ${reason} (${seconds()} s)`);
    waitingFor = reason;
    await sleep(500);
  }
  log(`not drained after ${seconds()} s`);
  return { drained: false, drainMs: Date.now() - started };
}

/** Every instance's environment: one schema, the local fakes, jobs every few seconds, retries and leases in seconds. */
function instanceEnv(input: {
  databaseUrl: string;
  logDir: string;
  adminToken: string;
  resend: { apiKey: string; url: string };
  feedUrl: string;
}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: input.databaseUrl,
    DATA_DIR: join(input.logDir, 'data'),
    APP_SECRET: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: input.adminToken,
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    RESEND_API_KEY: input.resend.apiKey,
    RESEND_BASE_URL: input.resend.url,
    EMAIL_FROM: 'Tracker Alerts <alerts@chaos.example>',
    SOURCE_URLS: input.feedUrl,
    SOURCE_TIMEOUT_MS: '5000',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
    TRUST_PROXY: '1',
    CRON_DETECT: '*/2 * * * * *',
    CRON_DIGEST: '*/3 * * * * *',
    CRON_WEBHOOKS: '*/2 * * * * *',
    WEBHOOK_RETRY_SCHEDULE: '1s,2s,3s,5s,5s,5s,5s,5s,5s,5s',
    WEBHOOK_DELIVERY_LEASE: '15s',
    DIGEST_RETRY_SCHEDULE: '2s,5s,10s',
    DIGEST_BATCH_LEASE: '15s',
    JOB_LEASE: '6s',
  };
}

/** What the drain still waits for: the feed's last revisions stored, every change fanned out and delivered, every digest out; undefined when nothing. */
async function stillWaitingFor(
  db: DatabaseHandle['db'],
  revisions: ReadonlyMap<string, number>,
  subscribers: number,
): Promise<string | undefined> {
  const stored = await db.selectFrom('events').select(['id', 'body']).where('id', 'like', 'chaos-%').execute();
  const storedRevision = new Map(stored.map((e) => [e.id, revisionOf(e.body)]));
  const behind = [...revisions].filter(([id, revision]) => storedRevision.get(id) !== revision).length;
  if (behind > 0) return `detection (${behind} feed events not at their last revision)`;
  const cursor = await db.selectFrom('consumer_cursors').select('position').where('name', '=', 'webhook-fanout').executeTakeFirst();
  const last = await db
    .selectFrom('changes')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  if (Number(cursor?.position ?? 0) < Number(last?.id ?? 0)) return `webhook fan-out (cursor ${cursor?.position ?? 0} of ${last?.id})`;
  const { count } = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  if (Number(count) > 0) return `${count} pending webhook deliveries`;
  const digests = await db
    .selectFrom('digests')
    .select((eb) => [
      eb.fn.countAll<number>().as('all'),
      eb.fn.countAll<number>().filterWhere('status', 'in', ['pending', 'batched']).as('open'),
    ])
    .executeTakeFirstOrThrow();
  if (Number(digests.all) < subscribers) return `digest enqueue (${digests.all} of ${subscribers})`;
  if (Number(digests.open) > 0) return `${digests.open} digests not sent`;
  return undefined;
}
