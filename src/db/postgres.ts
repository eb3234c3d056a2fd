import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database';

// PostgreSQL only, without PGlite or the file system: shared by the Node and the Workers entries.

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The pg pool behind `db` (PostgreSQL only), for libraries that speak to pg directly. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

// int8 as a JS number: change ids stay far below 2^53 and every consumer wants a number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function openPostgres(connectionString: string, options: { max?: number; searchPath?: string } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', pool, close: () => db.destroy() };
}
