import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('subscribers')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('email', 'text', (col) => col.notNull().unique())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('pending', 'confirmed')`))
    .addColumn('countries', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('regions', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('categories', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('frequency', 'text', (col) => col.notNull().check(sql`frequency in ('monthly', 'weekly')`))
    .addColumn('timezone', 'text', (col) => col.notNull())
    .addColumn('skip_empty', 'boolean', (col) => col.notNull().defaultTo(false))
    // Bumped to invalidate every manage/unsubscribe link issued before.
    .addColumn('token_version', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    // When the last confirmation or "manage your alerts" email went out, to rate-limit re-sends.
    .addColumn('notice_sent_at', 'timestamptz')
    .addColumn('confirmed_at', 'timestamptz')
    // Consent record: when, and from which form.
    .addColumn('consent_source', 'text', (col) => col.notNull())
    .addColumn('consent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('subscribers_pending_idx')
    .on('subscribers')
    .column('created_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  // What is left of an address that must get no email: only a keyed hash of it.
  await db.schema
    .createTable('suppressions')
    .addColumn('email_hash', 'text', (col) => col.primaryKey())
    .addColumn('reason', 'text', (col) => col.notNull().check(sql`reason in ('unsubscribed', 'bounced', 'complained')`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();

  // Shared rate-limit counters (rate-limiter-flexible's PostgreSQL store layout).
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(255)', (col) => col.primaryKey())
    .addColumn('points', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute();

  // Resend's webhooks are retried: each svix-id is handled once.
  await db.schema
    .createTable('email_events')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['email_events', 'rate_limits', 'suppressions', 'subscribers']) await db.schema.dropTable(table).execute();
}
