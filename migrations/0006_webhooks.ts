import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('description', 'text')
    // Empty filters mean "all".
    .addColumn('types', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('countries', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('categories', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('disabled_reason', 'text')
    // [{sealed, expiresAt}] newest first; sealed with a key derived from APP_SECRET.
    .addColumn('secrets', 'jsonb', (col) => col.notNull())
    // Start of the current run of failures, for "disabled after failing for 5 days".
    .addColumn('failing_since', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .execute();

  // How far the fan-out consumer has read the change log.
  await db.schema
    .createTable('consumer_cursors')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('position', 'bigint', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    // The webhook-id: the same on every attempt of this delivery.
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('endpoint_id', 'text', (col) => col.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('change_id', 'bigint')
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('pending', 'delivered', 'failed')`))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (col) => col.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('delivered_at', 'timestamptz')
    .execute();
  // One delivery per (endpoint, change), however often fan-out or replay runs... except replays,
  // which re-queue the same row.
  await sql`create unique index webhook_deliveries_endpoint_change_key on webhook_deliveries (endpoint_id, change_id) where change_id is not null`.execute(
    db,
  );
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'created_at desc'])
    .execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('delivery_id', 'text', (col) => col.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('attempted_at', 'timestamptz', (col) => col.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (col) => col.notNull())
    .addColumn('error', 'text')
    .addColumn('response_excerpt', 'text')
    .execute();
  await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').columns(['delivery_id', 'id']).execute();
  await db.schema.createIndex('webhook_attempts_attempted_at_idx').on('webhook_attempts').column('attempted_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['webhook_attempts', 'webhook_deliveries', 'consumer_cursors', 'webhook_endpoints'])
    await db.schema.dropTable(table).execute();
}
