import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../src/app';
import { fixedClock } from '../src/clock';
import { parseConfig } from '../src/config';
import { createLogger } from '../src/log';
import { nodeResources } from '../src/node-resources';
import { createDeps, type Deps, servicesIdle } from '../src/services';
import { createTestDatabase, type TestDatabase } from './db';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const METRICS_TOKEN = 'test-metrics-token-0123456789';
export const TEST_APP_SECRET = 'test-app-secret-0123456789-0123456789';

/** Log lines written by the app, parsed, for assertions. */
export function memoryLog() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  return { log, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: Deps;
  database: TestDatabase;
  clock: ReturnType<typeof fixedClock>;
  logs: ReturnType<typeof memoryLog>;
  /** JSON request helper: `call('POST', '/v1/admin/events', body, { admin: true })`. */
  call(method: string, path: string, body?: unknown, options?: { admin?: boolean; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

/** A clock that runs with real time from `start` (set and advance still move it): for what is about real seconds, like throttles. */
export function runningClock(start: Date | string): ReturnType<typeof fixedClock> {
  let offset = new Date(start).getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    set: (to) => {
      offset = new Date(to).getTime() - Date.now();
    },
    advance: (ms) => {
      offset += ms;
    },
  };
}

export async function createTestApp(
  env: Record<string, string> = {},
  database?: TestDatabase,
  /** `running`: the clock runs with real time from now (for what is about real seconds); default fixed at 2025-02-01 09:00 UTC. */
  options: { clock?: 'fixed' | 'running' } = {},
): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const config = parseConfig({
    NODE_ENV: 'test',
    ADMIN_TOKEN,
    METRICS_TOKEN,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tracker-alerts-test-')),
    PUBLIC_BASE_URL: 'https://alerts.example.org',
    ...env,
  });
  const clock = options.clock === 'running' ? runningClock(new Date()) : fixedClock('2025-02-01T09:00:00Z');
  const logs = memoryLog();
  // Built as server.ts builds it: the Node resources, then the services from them.
  const deps: Deps = createDeps(
    nodeResources({
      config,
      database: db,
      clock,
      log: logs.log,
      appSecret: config.appSecret ?? TEST_APP_SECRET,
    }),
  );
  const app = createApp(deps);
  return {
    app,
    deps,
    database: db,
    clock,
    logs,
    call: (method, path, body, options = {}) =>
      Promise.resolve(
        app.request(path, {
          method,
          headers: {
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(options.admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
            ...options.headers,
          },
          ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        }),
      ),
    close: async () => {
      await settled(servicesIdle(deps), CLOSE_WAIT_MS);
      await deps.mailer.close?.(); // the SMTP pool's connections, as the runtime's shutdown closes them
      if (!database) await db.close();
    },
  };
}

/** How long close() lets a pump's pass finish: closing the database under a running pass rejects where no one awaits (PGlite's transaction). */
const CLOSE_WAIT_MS = 5_000;

const settled = (work: Promise<unknown>, ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    work
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        resolve();
      });
  });
