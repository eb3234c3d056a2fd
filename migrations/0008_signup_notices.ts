import { type Kysely, sql } from 'kysely';

/**
 * Sign-up notices (confirmation and "manage your alerts" emails) as a durable queue: a row is
 * written in the sign-up's own statement and removed once the mailer accepted the email, so a
 * crash after the 202 cannot lose it. Workers claim due rows with SKIP LOCKED and a lease.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signup_notices')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    // Deleting the subscriber (unsubscribe, bounce, complaint) drops what was still to be sent.
    .addColumn('subscriber_id', 'bigint', (col) => col.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('confirm', 'manage')`))
    // Also the issue time of the links' tokens, so a retry builds the same email.
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('next_attempt_at', 'timestamptz', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    // Set when the provider refused the email for good; kept for inspection, never retried.
    .addColumn('failed_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('signup_notices_due_idx')
    .on('signup_notices')
    .columns(['next_attempt_at', 'id'])
    .where(sql.ref('failed_at'), 'is', null)
    .execute();
  await db.schema.createIndex('signup_notices_subscriber_idx').on('signup_notices').column('subscriber_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signup_notices').execute();
}
