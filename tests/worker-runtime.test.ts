import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { migrateToLatest } from '../src/db/migrate';
import { openPostgres } from '../src/db/postgres';
import { readDocsViewer } from '../src/routes/docs/viewer';
import { DOCS_VIEWER_PATH } from '../src/routes/docs/viewer-path';
import { taxonomySeed } from '../src/taxonomy/seed';
import { createScratchDatabase, postgresUrl } from '../testkit/db';
import { sampleEvent } from '../testkit/events';
import { projectRoot } from '../testkit/process';
import { startSourceServer } from '../testkit/source-server';
import { startReceiver } from '../testkit/webhook-receiver';
import { offlineWranglerEnv } from '../testkit/wrangler';

const ADMIN_TOKEN = 'worker-admin-token-0123456789';
const METRICS_TOKEN = 'worker-metrics-token-0123456789';
const feedEvents = [sampleEvent({ id: 'worker-feed-nor', country: 'NOR' }), sampleEvent({ id: 'worker-feed-swe', country: 'SWE' })];

/**
 * The Worker built from wrangler.toml, run by workerd (wrangler's local runtime) against a fresh
 * database on the TEST_DATABASE_URL server, through the Hyperdrive binding's local connection string
 * (workerd builds it from host, port, user, password and database only), as a role made for this file.
 */
describe.runIf(postgresUrl)('the Worker in workerd, on PostgreSQL through the Hyperdrive binding', () => {
  const name = `tracker_worker_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let admin: pg.Client;
  let database: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let sources: Awaited<ReturnType<typeof startSourceServer>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
  const logs: string[] = [];
  const secrets: string[] = [password, ADMIN_TOKEN, METRICS_TOKEN];

  const call = (path: string, init: RequestInit & { admin?: boolean; metrics?: boolean } = {}) =>
    worker.fetch(`http://tracker.test${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(init.admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
        ...(init.metrics ? { authorization: `Bearer ${METRICS_TOKEN}` } : {}),
      },
    } as never) as unknown as Promise<Response>;
  const runCron = async (cron: string) => {
    // The Worker's own scheduled() runs through wrangler's /__scheduled route (dev.testScheduled).
    const res = await call(`/__scheduled?cron=${encodeURIComponent(cron)}`);
    expect(res.status, await res.clone().text()).toBe(200);
  };

  beforeAll(async () => {
    Object.assign(process.env, offlineWranglerEnv);
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create role ${name} login password '${password}'`);
    database = await createScratchDatabase(name);
    const url = new URL(database.url);
    url.username = name;
    url.password = password;
    const migrated = openPostgres(url.href, { max: 1 });
    try {
      await migrateToLatest(migrated.db, taxonomySeed);
    } finally {
      await migrated.close();
    }

    sources = await startSourceServer();
    sources.setFeed(feedEvents);
    receiver = await startReceiver();
    process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE = url.href;
    const vars = {
      APP_SECRET: randomBytes(32).toString('base64url'),
      ADMIN_TOKEN,
      METRICS_TOKEN,
      RESEND_API_KEY: 're_worker_test',
      RESEND_BASE_URL: 'http://127.0.0.1:9',
      SOURCE_URLS: sources.url('/feed.json'),
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
      LOG_LEVEL: 'info',
    };
    secrets.push(vars.APP_SECRET);
    worker = await unstable_startWorker({
      config: `${projectRoot}wrangler.toml`,
      bindings: Object.fromEntries(Object.entries(vars).map(([key, value]) => [key, { type: 'plain_text', value }])),
      dev: {
        server: { hostname: '127.0.0.1', port: 0 },
        inspector: false,
        watch: false,
        testScheduled: true,
        logLevel: 'warn',
        structuredLogsHandler: (log: { message: string }) => logs.push(log.message),
      },
    } as Parameters<typeof unstable_startWorker>[0]);
    await worker.ready;
  }, 120_000);

  afterAll(async () => {
    await worker?.dispose();
    await sources?.close();
    await receiver?.close();
    delete process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE;
    if (admin) {
      await database?.drop();
      await admin.query(`drop role if exists ${name}`);
      await admin.end();
    }
  });

  it('answers /healthz, /readyz after a query through Hyperdrive, and /metrics (prom-client runs in workerd)', async () => {
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await call('/readyz');
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', process: 'ok' } });
    expect((await call('/metrics')).status).toBe(401);
    const metrics = await call('/metrics', { metrics: true });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE tracker_job_duration_seconds histogram');
  });

  it('serves /docs, its viewer script a static asset (wrangler.toml [assets]) with the bytes of the installed package', async () => {
    const viewer = readDocsViewer();
    expect(DOCS_VIEWER_PATH).toBe(viewer.path); // the Worker's committed path names the installed build
    const page = await call('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`src="${viewer.path}"`);
    expect(html).not.toMatch(/https?:\/\/(?!tracker\.test)[^"']*\.js/); // no third-party script origin
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await call(viewer.path);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    const body = Buffer.from(await script.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(viewer.body).digest('hex'));
    expect((await call('/openapi.json')).status).toBe(200);
    expect((await call('/docs/assets/scalar-api-reference-0.0.0-0000000000000000.js')).status).toBe(404);
  });

  it('answers /v1/events from the migrated schema, empty before any detection', async () => {
    const res = await call('/v1/events');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: [], nextCursor: null });
  });

  it('keeps a sign-up with errors across its redirect in the encrypted form-draft cookie (node:crypto AES-GCM in workerd)', async () => {
    const form = (init: RequestInit) => worker.fetch('http://tracker.test/v1/subscriptions', init as never) as unknown as Promise<Response>;
    const posted = await form({
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://tracker.test' },
      body: new URLSearchParams([
        ['email', 'worker.reader@example.org'],
        ['timezone', 'Mars/Olympus'],
      ]).toString(),
    });
    expect(posted.status).toBe(303);
    const location = posted.headers.get('location')!;
    expect(location).toMatch(/^\/\?draft=/);
    const cookie = posted.headers.get('set-cookie')!.split(';')[0]!;
    const page = (await worker.fetch(`http://tracker.test${location}`, { headers: { cookie } } as never)) as unknown as Response;
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('value="worker.reader@example.org"');
    expect(html).toContain('id="timezone-error"');
  });

  it('registers a webhook endpoint through the same app', async () => {
    const res = await call('/v1/webhooks', { method: 'POST', admin: true, body: JSON.stringify({ url: receiver.url }) });
    expect(res.status, await res.clone().text()).toBe(201);
    const { secret } = (await res.json()) as { secret: string };
    receiver.setSecret(secret);
    secrets.push(secret);
  });

  it('runs detection on the detect Cron Trigger; /v1/events then lists the feed, and the webhooks went out', async () => {
    await runCron('*/15 * * * *');
    const res = await call('/v1/events');
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: { id: string; country: string }[] };
    expect(page.data.map((event) => event.id).sort()).toEqual(feedEvents.map((event) => event.id).sort());

    const runs = (await (await call('/v1/admin/detections', { admin: true })).json()) as { data: { trigger: string; status: string }[] };
    expect(runs.data[0]).toMatchObject({ trigger: 'cron', status: 'succeeded' });
    // Detection kicked the webhook pump; the scheduled event waited for it (ctx.waitUntil).
    expect(receiver.received.map((r) => [r.type, r.verified])).toEqual([
      ['event.published', true],
      ['event.published', true],
    ]);
  });

  it('runs the webhook Cron Trigger without delivering anything twice', async () => {
    await runCron('* * * * *');
    expect(receiver.received).toHaveLength(2);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(2);
  });

  it('keeps the public feeds in the Workers Cache API: a feed asked for again, and its 304, need no database; an append is seen', async () => {
    const path = '/feeds/changes.atom?country=NOR';
    const first = await call(path);
    expect(first.status, await first.clone().text()).toBe(200);
    const etag = first.headers.get('etag')!;
    const body = await first.text();
    expect(body.match(/<entry>/g)).toHaveLength(1);

    // No connection for the Worker's role from here on: only the cache can answer.
    await admin.query(`alter role ${name} connection limit 0`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [name]);
    try {
      expect((await call('/readyz')).status, 'the database is out of reach').toBe(503);
      const notModified = (await worker.fetch(`http://tracker.test${path}`, {
        headers: { 'if-none-match': etag },
      } as never)) as unknown as Response;
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get('etag')).toBe(etag);
      const again = await call(path);
      expect(again.status).toBe(200);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe(body);
    } finally {
      await admin.query(`alter role ${name} connection limit -1`);
    }

    // An append made here drops the kept head at once: the next answer has the new entry.
    const published = await call('/v1/admin/events', {
      method: 'POST',
      admin: true,
      body: JSON.stringify({ events: [sampleEvent({ id: 'worker-feed-nor-2', country: 'NOR' })] }),
    });
    expect(published.status, await published.clone().text()).toBe(200);
    await expect
      .poll(async () => ((await (await call(path)).text()).match(/<entry>/g) ?? []).length, { timeout: 3_000, interval: 100 })
      .toBe(2);
    expect((await call(path)).headers.get('etag')).not.toBe(etag);
  });

  it('logs JSON lines (pino in the Worker) and never a secret', () => {
    const records = logs.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.find((r) => r.msg === 'request' && r.path === '/v1/events')).toMatchObject({ level: 30, method: 'GET', status: 200 });
    expect(records.find((r) => r.msg === 'detection run finished')).toMatchObject({ status: 'succeeded' });
    for (const secret of secrets) expect(logs.join('\n')).not.toContain(secret);
  });
});
