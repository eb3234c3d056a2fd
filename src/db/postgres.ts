import { Kysely, PostgresDialect, sql } from 'kysely';
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

/**
 * Marks a hot statement whose text never changes: `sql\`${preparedAs('sign-up')} with ...\``. On a
 * pool opened with `preparedStatements`, it is parsed and planned once per connection (a named
 * statement) and afterwards only bound and run; elsewhere (PGlite, Hyperdrive) the mark is a comment.
 */
export const preparedAs = (name: string) => sql.raw(`/* prepared: ${name} */`);

const preparedMark = /^\/\* prepared: ([\w-]+) \*\//;

type QueryFn = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;
const plainQuery = pg.Client.prototype.query as QueryFn;

/** pg's client, sending marked statements as named ones (pg refuses one name for two texts). */
class PreparingClient extends pg.Client {}
const preparingQuery: QueryFn = function (config, values, callback) {
  const name = typeof config === 'string' ? preparedMark.exec(config)?.[1] : undefined;
  return name ? plainQuery.call(this, { name, text: config, values }, callback) : plainQuery.call(this, config, values, callback);
};
Object.defineProperty(PreparingClient.prototype, 'query', { value: preparingQuery, writable: true, configurable: true });

export function openPostgres(
  connectionString: string,
  options: {
    max?: number;
    searchPath?: string;
    /** Default true; off behind a transaction-mode pooler. */
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
    ...(options.preparedStatements === false ? {} : { Client: PreparingClient }),
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', pool, close: () => db.destroy() };
}
