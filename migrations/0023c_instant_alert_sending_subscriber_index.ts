import { type Kysely, sql } from 'kysely';

/**
 * A claim of pending alerts skips a reader whose earlier alert is still on its way, and looks
 * that up for each alert it takes. Without an index for exactly that question the planner,
 * whose statistics lag a burst by a minute or more (autovacuum), intersected the subscriber
 * index with the index of every sending alert, dead entries included: ~3,000 entries read for
 * each of the 200 alerts a claim checks, late in a 7,500-alert burst.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index instant_alerts_sending_subscriber_idx on instant_alerts (subscriber_id) where status = 'sending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('instant_alerts_sending_subscriber_idx').execute();
}
