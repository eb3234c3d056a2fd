import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What the detector last saw from each source, for conditional requests (ETag / Last-Modified).
  await db.schema
    .createTable('source_states')
    .addColumn('url', 'text', (col) => col.primaryKey())
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('last_status', 'text', (col) => col.notNull())
    .addColumn('last_event_count', 'integer')
    .addColumn('last_fetched_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_success_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('detection_runs')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('trigger', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('running', 'succeeded', 'partial', 'failed', 'abandoned')`))
    .addColumn('started_at', 'timestamptz', (col) => col.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addColumn('sources', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.createIndex('detection_runs_started_at_idx').on('detection_runs').columns(['started_at desc', 'id desc']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('detection_runs').execute();
  await db.schema.dropTable('source_states').execute();
}
