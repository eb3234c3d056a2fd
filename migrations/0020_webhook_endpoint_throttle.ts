import { type Kysely, sql } from 'kysely';

/**
 * An optional per-endpoint throttle: at most `rate_limit` deliveries per second, however many
 * instances deliver. `webhook_throttles` holds each throttled endpoint's next free send slot;
 * a dispatch pass reserves slots from it in one statement (db/webhook-throttles.ts), so two
 * instances never get the same slot.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('webhook_endpoints')
    .addColumn('rate_limit', 'integer', (col) => col.check(sql`rate_limit between 1 and 1000`))
    .execute();
  await db.schema
    .createTable('webhook_throttles')
    .addColumn('endpoint_id', 'text', (col) => col.primaryKey().references('webhook_endpoints.id').onDelete('cascade'))
    // The first slot of the last reservation, and the first slot nobody holds yet.
    .addColumn('granted_from', 'timestamptz', (col) => col.notNull())
    .addColumn('next_slot_at', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_throttles').execute();
  await db.schema.alterTable('webhook_endpoints').dropColumn('rate_limit').execute();
}
