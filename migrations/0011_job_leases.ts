import type { Kysely } from 'kysely';

/**
 * Singleton jobs (detection, cleanup) hold a lease row instead of a session advisory lock:
 * behind a transaction-mode pool such as Cloudflare Hyperdrive, session state does not stay
 * on one server connection, so an advisory lock could be taken on one and never released.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_leases')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('locked_until', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_leases').execute();
}
