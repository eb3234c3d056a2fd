/**
 * Databases for benches and load tests: a fresh, migrated PostgreSQL schema or PGlite instance
 * per round, and one-statement admin queries against the server.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { type DatabaseHandle, openPglite, openPostgres } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { taxonomySeed } from '../src/taxonomy/seed';
import { projectRoot } from './process';

export const DEFAULT_BENCH_URL = 'postgres://postgres:postgres@127.0.0.1:5432/tracker_bench';

/** BENCH_DATABASE_URL, or the local tracker_bench database; refuses anything but loopback. */
export function benchDatabaseUrl(): string {
  const url = process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_URL;
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`BENCH_DATABASE_URL must point at a loopback address, not ${host}`);
  }
  return url;
}

/** One statement on its own connection (create/drop a schema, read a setting). */
export async function adminQueryAt(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

export async function postgresVersion(url: string): Promise<string> {
  return `PostgreSQL ${String((await adminQueryAt(url, 'show server_version')).rows[0]?.server_version ?? '?')}`;
}

export function pgliteVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'));
    return `@electric-sql/pglite ${pkg.version}`;
  } catch {
    return 'PGlite';
  }
}

/** A migrated schema of its own on the server; `drop()` removes it. */
export async function freshSchema(url: string, schema: string, options: { max?: number } = {}) {
  await adminQueryAt(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  const handle = openPostgres(url, { searchPath: schema, ...options });
  await migrateToLatest(handle.db, taxonomySeed);
  return { handle, schema, drop: () => adminQueryAt(url, `drop schema if exists ${schema} cascade`).then(() => undefined) };
}

export interface Fresh {
  handle: DatabaseHandle;
  dispose(): Promise<void>;
}

export interface DbTarget {
  name: string;
  version: string;
  fresh(round: number): Promise<Fresh>;
  finish(): Promise<void>;
}

function postgresTarget(url: string, prefix: string, version: string): DbTarget {
  return {
    name: 'PostgreSQL',
    version,
    async fresh(round) {
      const { handle, drop } = await freshSchema(url, `${prefix}_r${round}`);
      return {
        handle,
        async dispose() {
          await handle.close();
          await drop();
        },
      };
    },
    async finish() {},
  };
}

function pgliteTarget(onDisk: boolean): DbTarget {
  const dirs: string[] = [];
  const target: DbTarget = {
    name: onDisk ? 'PGlite (DATA_DIR on disk)' : 'PGlite (in memory)',
    version: 'PGlite',
    async fresh() {
      const dir = onDisk ? mkdtempSync(join(tmpdir(), 'tracker-bench-pglite-')) : undefined;
      if (dir) dirs.push(dir);
      const handle = await openPglite(dir);
      await migrateToLatest(handle.db, taxonomySeed);
      if (target.version === 'PGlite') {
        const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(handle.db);
        target.version = `${pgliteVersion()}, PostgreSQL ${rows[0]?.v ?? '?'} in WASM`;
      }
      return {
        handle,
        async dispose() {
          await handle.close();
          if (dir) rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    async finish() {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return target;
}

/**
 * The targets named in BENCH_TARGETS (comma list of postgres, pglite-memory, pglite-disk; else
 * `defaults`); an unreachable PostgreSQL is skipped with a notice.
 */
export async function dbTargets(prefix: string, defaults: string, log: (line: string) => void) {
  const wanted = (process.env.BENCH_TARGETS ?? defaults).split(',').map((s) => s.trim());
  const targets: DbTarget[] = [];
  let postgres = 'not measured';
  if (wanted.includes('postgres')) {
    const url = benchDatabaseUrl();
    try {
      postgres = await postgresVersion(url);
      targets.push(postgresTarget(url, `${prefix}_${process.pid}`, postgres));
    } catch (error) {
      log(`  NOTICE: PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//***@')} is unreachable (${(error as Error).message}); skipping it.`);
      postgres = 'unreachable: skipped';
    }
  }
  if (wanted.includes('pglite-memory')) targets.push(pgliteTarget(false));
  if (wanted.includes('pglite-disk')) targets.push(pgliteTarget(true));
  return { targets, postgresVersion: postgres };
}
