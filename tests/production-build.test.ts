import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../src/db/connect';
import { sampleEvent } from '../testkit/events';
import { projectRoot, type Running, runBuilt } from '../testkit/process';

/**
 * The production build as an operator runs it: `npm run build`, then `node dist/server.js`
 * (plain Node, no tsx, no npm in between) on PGlite in a fresh data folder. SIGTERM arrives
 * while a webhook request is in flight to a receiver that answers only after a while: the
 * process drains (the request completes and is recorded), then exits 0 within
 * SHUTDOWN_TIMEOUT_MS. The operator commands run from dist/ too.
 */

const ADMIN = 'production-admin-token-0123456789';
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How long the receiver holds each request before answering 200: well inside the drain. */
const HOLD_MS = 2_000;

const running: Running[] = [];
const closing: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const r of running) r.child.kill('SIGKILL');
  for (const close of closing) await close();
});

beforeAll(() => {
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: projectRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}, 120_000);

function freshEnv() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tracker-production-'));
  const feed = join(dataDir, 'feed.json');
  writeFileSync(feed, '[]');
  return {
    dataDir,
    env: {
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      ADMIN_TOKEN: ADMIN,
      APP_SECRET: 'production-app-secret-0123456789-0123456789',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
      SOURCE_URLS: pathToFileURL(feed).href,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
  };
}

/** A webhook receiver on 127.0.0.1 that answers 200 after holding each request HOLD_MS. */
async function slowReceiver() {
  const received: { id: string; at: number }[] = [];
  const answered: { id: string; at: number }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      received.push({ id, at: Date.now() });
      setTimeout(() => {
        res.writeHead(200).end('ok');
        answered.push({ id, at: Date.now() });
      }, HOLD_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, answered };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const api = (base: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('production build', { timeout: 240_000 }, () => {
  it('builds the server and the operator commands into dist/', () => {
    for (const entry of ['server', 'cli/migrate', 'cli/detect', 'cli/digest', 'cli/cleanup'])
      expect(existsSync(join(projectRoot, 'dist', `${entry}.js`)), entry).toBe(true);
  });

  it('node dist/server.js drains a webhook request in flight on SIGTERM and exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const { dataDir, env } = freshEnv();
    const receiver = await slowReceiver();
    const server = runBuilt('dist/server.js', env);
    running.push(server);
    const [, base] = await server.waitFor(/running on (http:\/\/localhost:\d+)/, 90_000);

    const endpoint = await api(base!, '/v1/webhooks', { url: receiver.url, types: ['event.published'] });
    expect(endpoint.status).toBe(201);
    expect((await api(base!, '/v1/admin/events', { events: [sampleEvent()] })).status).toBe(200);
    const [inFlight] = await until('the delivery to reach the receiver', () =>
      receiver.received.length > 0 ? receiver.received : undefined,
    );

    const signalled = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const took = Date.now() - signalled;
    console.log(`SIGTERM to exit: ${took} ms (request held ${HOLD_MS} ms, ${signalled - inFlight!.at} ms of it before the signal)`);
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    // The request in flight was answered before the process went, and its outcome recorded.
    expect(receiver.answered.map((a) => a.id)).toEqual([inFlight!.id]);
    expect(server.stdout()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down: draining"/);
    expect(server.stdout()).toMatch(/"drained":true.*"msg":"stopped"/);
    const handle = await openPglite(dataDir);
    try {
      const rows = await handle.db.selectFrom('webhook_deliveries').select(['id', 'status', 'locked_by', 'attempts']).execute();
      expect(rows).toEqual([{ id: inFlight!.id, status: 'delivered', locked_by: null, attempts: 1 }]);
    } finally {
      await handle.close();
    }
  });

  it('runs the operator commands from dist/: migrate, then detect over the bundled demo source', async () => {
    const { dataDir } = freshEnv();
    const env = { DATA_DIR: dataDir, APP_SECRET: 'production-app-secret-0123456789-0123456789' };
    const migrate = runBuilt('dist/cli/migrate.js', env);
    expect(await migrate.exited).toBe(0);
    expect(migrate.stdout()).toMatch(/Database \(pglite\) is at the latest migration\./);

    // No SOURCE_URLS: the demo source, read from the files the build copies beside the bundle.
    const detect = runBuilt('dist/cli/detect.js', env);
    expect(await detect.exited).toBe(0);
    expect(detect.stdout()).toMatch(/tracker-kazakhstan-2025-01\.txt: 5 events \(5 new/);
    expect(detect.stdout()).toMatch(/run 1: succeeded/);
  });
});
