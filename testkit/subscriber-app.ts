/**
 * The subscriptions bench's app under test: the real app (`createApp`, deps as `openNodeResources`
 * builds them, request logging at info into a file) served on 127.0.0.1, with the durable-INSERT
 * route beside it, a count of requests in flight, and the emails it has handed over.
 */

import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createApp } from '../src/app';
import { openPostgres } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { createLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { taxonomySeed } from '../src/taxonomy/seed';
import { createBenchDeps } from './bench-deps';
import { choices, DURABLE_INSERT_PATH } from './subscriber-load';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const APP_SECRET = 'bench-app-secret-0123456789-0123456789-0123456789';

/**
 * `resend`: the production transport instead of the outbox, the `resend` SDK posting to this
 * URL (the fake Resend in its own process), `sent` counting what it has received.
 */
export async function startApp(url: string, schema: string, dataDir: string, resend?: { url: string; sent(): Promise<number> }) {
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
  const outboxDir = join(dataDir, 'outbox');
  return {
    handle,
    deps,
    tokens: deps.tokens,
    baseUrl: `http://127.0.0.1:${port}`,
    outboxDir,
    transport: resend ? ('resend' as const) : ('outbox' as const),
    /** Confirmation emails handed over so far: .eml files in the outbox, or messages the fake Resend received. */
    emailsSent: async () => (resend ? resend.sent() : countEml(outboxDir)),
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as import('node:http').Server).closeAllConnections(); // a load generator's kept-alive socket would hold close() open
      await closed;
      await deps.background.idle();
      logDestination.flushSync();
      logDestination.end();
      await handle.close();
    },
  };
}

export type AppUnderTest = Awaited<ReturnType<typeof startApp>>;

/** N confirmed subscribers inserted directly, and a manage token for each. */
export async function seedManagedSubscribers(app: AppUnderTest, count: number): Promise<string[]> {
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
  const inserted = await app.handle.db.insertInto('subscribers').values(rows).returning(['public_id', 'token_version']).execute();
  return inserted.map((r) => app.tokens.sign('manage', { publicId: r.public_id, version: r.token_version }));
}

/** One request of each kind from here, so a misconfiguration fails before any load is sent. */
export async function sanityCheck(app: AppUnderTest, token: string): Promise<void> {
  const json = { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.1' };
  const send = (method: string, path: string, body: object) =>
    fetch(`${app.baseUrl}${path}`, { method, headers: json, body: JSON.stringify(body) });
  const checks: [string, Promise<Response>, number][] = [
    ['GET /healthz', fetch(`${app.baseUrl}/healthz`), 200],
    ['POST /v1/subscriptions', send('POST', '/v1/subscriptions', { email: 'sanity@bench.example.org', ...choices(1) }), 202],
    ['PUT /v1/preferences', send('PUT', `/v1/preferences?token=${token}`, choices(2)), 200],
  ];
  for (const [label, pending, expected] of checks) {
    const response = await pending;
    const body = await response.text();
    if (response.status !== expected) throw new Error(`${label} answered ${response.status}, expected ${expected}: ${body.slice(0, 300)}`);
  }
  await app.deps.background.idle();
}

export const countEml = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.eml')).length;
  } catch {
    return 0;
  }
};
