import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import lockfile from 'proper-lockfile';
import type { Database } from './database';
import { type DatabaseHandle, openPostgres } from './postgres';

export { type DatabaseHandle, openPostgres } from './postgres';

/**
 * PGlite is single-process: two processes opening one data folder corrupt it. A lock file in
 * DATA_DIR makes the second process fail at start-up with a clear message instead.
 */
export async function openPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  let release: (() => Promise<void>) | undefined;
  let pglite: PGlite;
  if (dataDir) {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    try {
      release = await lockfile.lock(dir, { lockfilePath: join(dir, 'pglite.lock'), stale: 15_000, update: 5_000 });
    } catch {
      throw new Error(
        `Another process is using the embedded database in ${dir} (is \`npm start\` running?). Stop it first, or use the running server's admin API (POST /v1/admin/detect, POST /v1/admin/digests/run), or set DATABASE_URL to share a PostgreSQL server.`,
      );
    }
    pglite = new PGlite(join(dir, 'pglite'));
  } else {
    pglite = new PGlite();
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await db.destroy();
      await release?.();
    },
  };
}

export async function openDatabase(config: { databaseUrl: string | undefined; dataDir: string }): Promise<DatabaseHandle> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(config.dataDir);
}
