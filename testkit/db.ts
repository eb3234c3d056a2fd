import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import pg from 'pg';
import { type DatabaseHandle, openPglite, openPostgres } from '../src/db/connect';
import type { Database } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { taxonomySeed } from '../src/taxonomy/seed';
import { migratedTemplate } from './pglite-template';

/** Set by .ci/run (and by you, to run the suite against a real server). */
export const postgresUrl = process.env.TEST_DATABASE_URL || undefined;
export const onPostgres = postgresUrl !== undefined;

export interface TestDatabase extends DatabaseHandle {
  /** Opens another, independent pool on the same data (PostgreSQL only), for races. */
  openAnother(max?: number): DatabaseHandle;
}

/**
 * A migrated database owned by one test file: a fresh PostgreSQL database when
 * TEST_DATABASE_URL is set, else an in-memory PGlite.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!postgresUrl) {
    const template = migratedTemplate();
    const handle = template ? openPgliteCopy(template) : await openPglite(undefined);
    // On a copy of the migrated template this finds nothing to apply, and proves the copy is current.
    await migrateToLatest(handle.db, taxonomySeed);
    return {
      ...handle,
      openAnother: () => {
        throw new Error('PGlite has a single connection');
      },
    };
  }
  const scratch = await createScratchDatabase();
  const handle = openPostgres(scratch.url);
  await migrateToLatest(handle.db, taxonomySeed);
  return {
    ...handle,
    openAnother: (max = 10) => openPostgres(scratch.url, { max }),
    close: async () => {
      await closeAndWaitForConnections(handle);
      await scratch.drop();
    },
  };
}

/**
 * Closes a PostgreSQL handle and waits until its connections have ended. pg-pool's end() resolves
 * once it has asked them to end, not when they have: a `drop database ... with (force)` right
 * after it terminated a backend still on its way out, and the client's error (57P01) had no
 * listener left (an uncaught exception in whatever file the worker ran next).
 */
async function closeAndWaitForConnections(handle: DatabaseHandle): Promise<void> {
  const pool = handle.pool;
  let left = pool?.totalCount ?? 0;
  const ended = new Promise<void>((resolve) => {
    if (left === 0) return resolve();
    pool!.on('remove', () => {
      if (--left === 0) resolve();
    });
    setTimeout(resolve, 5_000).unref();
  });
  await handle.close();
  await ended;
}

/** An in-memory PGlite that starts from a copy of `template` (a data folder dumped by PGlite). */
function openPgliteCopy(template: Blob): DatabaseHandle {
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: new PGlite({ loadDataDir: template }) }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

/**
 * A database of its own on the PostgreSQL server, for one test file. Not a schema: Kysely's
 * migrator looks up tables in every schema it can see, and fails when another file drops its
 * schema during that lookup.
 */
export async function createScratchDatabase(owner?: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await adminQuery(`create database ${name}${owner ? ` owner ${owner}` : ''}`);
  const url = new URL(postgresUrl ?? '');
  url.pathname = `/${name}`;
  return { name, url: url.href, drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

/** Runs one statement on the PostgreSQL server as the admin connection (schemas, fixtures). */
export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
