import { type PostgresPool, type PostgresPoolClient, type PostgresQueryResult, sql } from 'kysely';
import type pg from 'pg';

// Named prepared statements, through one seam. A statement that starts with a `preparedAs(name)`
// mark is sent as pg's own query config `{ name, text, values }`: PostgreSQL parses and plans it
// once per connection, and afterwards only binds and runs it. Every other statement passes
// through unchanged. The seam is the pool Kysely's PostgresDialect is given (its public
// PostgresPool interface), so neither pg nor Kysely is patched.
//
// Worth it only where measured (BENCHMARKS.md, "Prepared statements"): the sign-up, a large
// statement planned anew on every call otherwise, runs about twice as fast named; the notice
// claim ran slower named (most likely PostgreSQL's generic plan), so it is not marked.

/** Marks a statement whose text never changes: sql`${preparedAs('sign-up')} with ...`. Elsewhere (PGlite, Hyperdrive) a comment. */
export const preparedAs = (name: string) => sql.raw(`/* prepared: ${name} */`);

const preparedMark = /^\/\* prepared: ([\w-]+) \*\//;

const commands: readonly string[] = [
  'COMMIT',
  'DELETE',
  'INSERT',
  'MERGE',
  'ROLLBACK',
  'SELECT',
  'UPDATE',
] satisfies readonly PostgresQueryResult<unknown>['command'][];
const isKyselyCommand = (command: string): command is PostgresQueryResult<unknown>['command'] => commands.includes(command);

/** A pg client as Kysely uses it, sending marked statements as named ones (pg refuses one name for two texts). */
class PreparingClient implements PostgresPoolClient {
  constructor(private readonly client: pg.PoolClient) {}

  query<R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query(cursor: never): never;
  async query<R>(text: string, parameters: ReadonlyArray<unknown> = []): Promise<PostgresQueryResult<R>> {
    if (typeof text !== 'string') throw new Error('streamed queries (cursors) are not used here');
    const name = preparedMark.exec(text)?.[1];
    const values = [...parameters];
    const result = await this.client.query<R & pg.QueryResultRow>(name ? { name, text, values } : { text, values });
    // Kysely counts affected rows by the command (INSERT, UPDATE, DELETE, MERGE).
    return { command: isKyselyCommand(result.command) ? result.command : 'SELECT', rowCount: result.rowCount ?? 0, rows: result.rows };
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}

/** `pool` for Kysely's PostgresDialect, with marked statements sent as named ones. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    options: pool.options,
    connect: async () => new PreparingClient(await pool.connect()),
    end: () => pool.end(),
  };
}
