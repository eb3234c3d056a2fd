import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The change id a subscriber's digests have covered up to (set at confirmation).
  await db.schema
    .alterTable('subscribers')
    .addColumn('digest_cursor', 'bigint', (col) => col.notNull().defaultTo(0))
    .execute();

  // One send of up to 100 digests: recorded, with its idempotency key, before anything is sent,
  // so a retry after a crash sends exactly the same request again.
  await db.schema
    .createTable('digest_batches')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('idempotency_key', 'text', (col) => col.notNull().unique())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('sending', 'sent', 'failed')`))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('sent_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('digest_batches_sending_idx')
    .on('digest_batches')
    .column('locked_until')
    .where(sql.ref('status'), '=', 'sending')
    .execute();

  // Exactly one row per (subscriber, period), whatever runs, crashes or instances do.
  await db.schema
    .createTable('digests')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('subscriber_id', 'bigint', (col) => col.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('period_key', 'text', (col) => col.notNull())
    .addColumn('due_at', 'timestamptz', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('pending', 'batched', 'sent', 'skipped', 'failed')`))
    .addColumn('batch_id', 'bigint', (col) => col.references('digest_batches.id'))
    .addColumn('position', 'integer')
    // What was composed, kept so a retry renders byte-identical messages.
    .addColumn('model', 'jsonb')
    .addColumn('cursor_to', 'bigint')
    .addColumn('item_count', 'integer')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addUniqueConstraint('digests_subscriber_period_key', ['subscriber_id', 'period_key'])
    .execute();
  await db.schema
    .createIndex('digests_pending_idx')
    .on('digests')
    .columns(['due_at', 'id'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema.createIndex('digests_batch_idx').on('digests').column('batch_id').execute();

  await db.schema
    .createTable('digest_runs')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('trigger', 'text', (col) => col.notNull())
    .addColumn('as_of', 'timestamptz', (col) => col.notNull())
    .addColumn('started_at', 'timestamptz', (col) => col.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addColumn('counts', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['digest_runs', 'digests', 'digest_batches']) await db.schema.dropTable(table).execute();
  await db.schema.alterTable('subscribers').dropColumn('digest_cursor').execute();
}
