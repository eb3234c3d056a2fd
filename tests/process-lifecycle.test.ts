import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../testkit/events';
import { type Running, runEntry, serverDatabase, startServer } from '../testkit/process';

/**
 * The Node process's lifecycle, with real processes (`src/server.ts` through tsx): drains on
 * SIGTERM, hands its claims back, exits 0 within SHUTDOWN_TIMEOUT_MS; a second signal exits
 * at once; start-up never serves on a database it could not migrate. On PostgreSQL when
 * TEST_DATABASE_URL is set (a database of its own), else on PGlite in a data folder.
 */

const ADMIN = 'lifecycle-admin-token-0123456789';
const running: Running[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const r of running) r.child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Where a server keeps its data (a scratch PostgreSQL database, or a PGlite data folder), dropped after the file. */
async function databaseTarget(options: { empty?: boolean } = {}) {
  const target = await serverDatabase(
    'lifecycle',
    {
      ADMIN_TOKEN: ADMIN,
      APP_SECRET: 'lifecycle-app-secret-0123456789-0123456789',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
      CRON_WEBHOOKS: '* * * * * *',
    },
    options,
  );
  cleanups.push(target.drop);
  return target;
}

const start = (env: Record<string, string>) => startServer(env, running);

/** A webhook receiver on 127.0.0.1 that either answers 200 or holds every request open. */
async function switchableReceiver() {
  const ids: string[] = [];
  let hang = true;
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      ids.push(String(req.headers['webhook-id']));
      if (hang) held.push(res);
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    ids,
    answer: () => {
      hang = false;
    },
    hold: () => {
      hang = true;
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const api = (base: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** Polls /readyz from the first signal on until it answers 503 (or the process stops answering). */
async function readinessDuringDrain(base: string, server: Running): Promise<number[]> {
  const seen: number[] = [];
  while (server.child.exitCode === null && !seen.includes(503)) {
    try {
      seen.push((await fetch(`${base}/readyz`)).status);
    } catch {
      break;
    }
  }
  return seen;
}

describe('process lifecycle', { timeout: 240_000 }, () => {
  it('SIGTERM while idle: exits 0 at once, without waiting for SHUTDOWN_TIMEOUT_MS', async () => {
    const target = await databaseTarget();
    const { server, base } = await start({ ...target.env, SHUTDOWN_TIMEOUT_MS: '60000' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Far below the 60 s bound: nothing was in flight, so nothing was waited for.
    expect(Date.now() - signalled).toBeLessThan(20_000);
    expect(server.stdout()).toMatch(/"msg":"stopped"/);
  });

  it('SIGTERM with a webhook request in flight to a slow receiver: /readyz 503 while draining, exit 0 within the bound, the delivery back in the queue and delivered by the next process', async () => {
    const target = await databaseTarget();
    const receiver = await switchableReceiver();
    const first = await start({ ...target.env, SHUTDOWN_TIMEOUT_MS: '3000' });
    const endpoint = (await (await api(first.base, '/v1/webhooks', { url: receiver.url, types: ['event.published'] })).json()) as {
      id: string;
    };
    expect(endpoint.id).toBeTruthy();
    expect((await api(first.base, '/v1/admin/events', { events: [sampleEvent()] })).status).toBe(200);
    await until('the delivery to reach the receiver', async () => (receiver.ids.length === 1 ? true : undefined));

    const signalled = Date.now();
    first.server.child.kill('SIGTERM');
    const readiness = await readinessDuringDrain(first.base, first.server);
    expect(readiness).toContain(503);
    expect(await first.server.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(3000 + 10_000); // the bound, plus the exit of a loaded machine
    expect(first.server.stdout()).toMatch(/"deliveries":1[,}].*"msg":"leases handed back"/);

    // The delivery is claimable again now, not when its 60 s lease would have run out.
    const handle = await target.open();
    const rows = await handle.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'status', 'locked_by', 'locked_until', 'attempts'])
      .execute();
    await handle.close();
    expect(rows).toEqual([{ id: receiver.ids[0], status: 'pending', locked_by: null, locked_until: null, attempts: 0 }]);

    // A new process delivers it, with the same webhook-id; then a second signal cuts its drain short.
    receiver.answer();
    const second = await start({ ...target.env, SHUTDOWN_TIMEOUT_MS: '60000' });
    const deliveries = await until('the redelivery', async () => {
      const page = (await (await api(second.base, `/v1/webhooks/${endpoint.id}/deliveries`)).json()) as {
        data: { id: string; status: string; attempts: number }[];
      };
      return page.data.every((d) => d.status === 'delivered') && page.data.length > 0 ? page.data : undefined;
    });
    expect(deliveries).toEqual([expect.objectContaining({ id: receiver.ids[0], status: 'delivered', attempts: 1 })]);
    expect(receiver.ids).toEqual([receiver.ids[0], receiver.ids[0]]);

    receiver.hold();
    expect((await api(second.base, '/v1/admin/events', { events: [sampleEvent()] })).status).toBe(200);
    await until('the second delivery to reach the receiver', async () => (receiver.ids.length === 3 ? true : undefined));
    second.server.child.kill('SIGTERM');
    expect(await readinessDuringDrain(second.base, second.server)).toContain(503);
    const again = Date.now();
    second.server.child.kill('SIGTERM');
    expect(await second.server.exited).toBe(1);
    expect(Date.now() - again).toBeLessThan(10_000); // at once, not after the 60 s drain
    expect(second.server.stdout()).toMatch(/"msg":"second signal: exiting now"/);
  });

  it('refuses to serve when the database is unreachable: exit 1 with one clear line, never listening', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tracker-lifecycle-'));
    const server = runEntry('src/server.ts', {
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:9/unreachable',
    });
    running.push(server);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/^tracker-alerts: cannot open or migrate the database, not serving: .*ECONNREFUSED/m);
    expect(server.stdout()).not.toContain('running on');
  });

  it('refuses to serve when a migration fails: exit 1 naming the migration, never listening', async () => {
    const target = await databaseTarget({ empty: true });
    // A table in the way of the first migration, as a hand-made or foreign schema would be.
    const handle = await target.open();
    await sql`create table countries (something integer)`.execute(handle.db);
    await handle.close();
    const server = runEntry('src/server.ts', target.env);
    running.push(server);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(
      /^tracker-alerts: cannot open or migrate the database, not serving: Migration 0001_taxonomy_events_changes failed: .*countries/m,
    );
    expect(server.stdout()).not.toContain('running on');
  });
});
