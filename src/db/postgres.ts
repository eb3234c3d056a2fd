import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database';
import { preparingPool } from './prepared-statements';

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

export function openPostgres(
  connectionString: string,
  options: {
    max?: number;
    searchPath?: string;
    /** Named statements for the marked hot ones (prepared-statements.ts); default true, off behind a transaction-mode pooler. */
    preparedStatements?: boolean;
    idleTimeoutMs?: number;
  } = {},
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    // pg-pool closes a connection idle for 10 s by default: after every quiet spell the next
    // requests would pay for new ones (SCRAM, a new backend, its prepared statements) and queue
    // behind them. A server keeps them through a quiet spell of minutes.
    idleTimeoutMillis: options.idleTimeoutMs ?? 5 * 60_000,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: options.preparedStatements === false ? pool : preparingPool(pool) }),
  });
  return { db, kind: 'postgres', pool, close: () => db.destroy() };
}
