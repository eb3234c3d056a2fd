import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type DatabaseHandle, openPglite, openPostgres } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { taxonomySeed } from '../src/taxonomy/seed';

/** Set by .ci/run (and by you, to run the suite against a real server). */
export const postgresUrl = process.env.TEST_DATABASE_URL || undefined;
export const onPostgres = postgresUrl !== undefined;

export interface TestDatabase extends DatabaseHandle {
  /** Opens another, independent pool on the same data (PostgreSQL only), for races. */
  openAnother(max?: number): DatabaseHandle;
}

/**
 * A migrated database owned by one test file: a fresh PostgreSQL schema when
 * TEST_DATABASE_URL is set, else an in-memory PGlite.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!postgresUrl) {
    const handle = await openPglite(undefined);
    await migrateToLatest(handle.db, taxonomySeed);
    return {
      ...handle,
      openAnother: () => {
        throw new Error('PGlite has a single connection');
      },
    };
  }
  const schema = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await adminQuery(`create schema ${schema}`);
  const handle = openPostgres(postgresUrl, { searchPath: schema });
  await migrateToLatest(handle.db, taxonomySeed);
  return {
    ...handle,
    openAnother: (max = 10) => openPostgres(postgresUrl, { searchPath: schema, max }),
    close: async () => {
      await handle.close();
      await adminQuery(`drop schema ${schema} cascade`);
    },
  };
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
