import { type Kysely, sql } from 'kysely';

/**
 * Instant watch-flag alerts. A subscriber may ask for an email as soon as a watch flag is raised
 * in their countries (`instant_alerts`); `instant_sent_at` is when the provider last accepted one,
 * which caps them at one per INSTANT_ALERT_MIN_INTERVAL.
 *
 * `instant_alerts` is a queue with the lease columns of migration 0012: one `pending` row per
 * subscriber gathers flagged changes (`instant_alert_items`) until it may be sent; the claim
 * records its model and batch key (`sending`) before the email is handed to the mailer, so a run
 * killed after that sends the same batch again under the same key, and never a second email.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('subscribers')
    .addColumn('instant_alerts', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('instant_sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('subscribers_instant_alerts_idx')
    .on('subscribers')
    .column('id')
    .where(sql<boolean>`instant_alerts and status = 'confirmed'`)
    .execute();

  await db.schema
    .createTable('instant_alerts')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('subscriber_id', 'bigint', (col) => col.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('pending', 'sending', 'sent', 'failed')`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('next_attempt_at', 'timestamptz', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_error', 'text')
    // Set when the claim records the email: what it says, and the key of the batch it goes in.
    .addColumn('recorded_at', 'timestamptz')
    .addColumn('batch_key', 'text')
    .addColumn('model', 'jsonb')
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await sql`create unique index instant_alerts_one_pending_idx on instant_alerts (subscriber_id) where status = 'pending'`.execute(db);
  await sql`create index instant_alerts_due_idx on instant_alerts (next_attempt_at, id) where status in ('pending', 'sending')`.execute(db);
  await sql`create index instant_alerts_batch_idx on instant_alerts (batch_key) where status = 'sending'`.execute(db);
  await db.schema.createIndex('instant_alerts_subscriber_idx').on('instant_alerts').columns(['subscriber_id', 'sent_at']).execute();

  await db.schema
    .createTable('instant_alert_items')
    .addColumn('subscriber_id', 'bigint', (col) => col.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('change_id', 'bigint', (col) => col.notNull())
    .addColumn('event_id', 'text', (col) => col.notNull())
    .addColumn('alert_id', 'bigint', (col) => col.notNull().references('instant_alerts.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('instant_alert_items_pkey', ['subscriber_id', 'change_id'])
    .execute();
  await db.schema.createIndex('instant_alert_items_alert_idx').on('instant_alert_items').column('alert_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('instant_alert_items').execute();
  await db.schema.dropTable('instant_alerts').execute();
  await db.schema.dropIndex('subscribers_instant_alerts_idx').execute();
  await db.schema.alterTable('subscribers').dropColumn('instant_sent_at').dropColumn('instant_alerts').execute();
}
