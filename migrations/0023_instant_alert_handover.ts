import { type Kysely, sql } from 'kysely';

/**
 * `instant_alerts.handed_at`: when a recorded alert's batch was first handed to the provider,
 * written (and committed) just before the request leaves. A batch left by a killed process with
 * no such time was never handed over: its key is unknown to the provider, so readers who turned
 * instant alerts off or left since are dropped from it. One with it goes again whole, the same
 * request under the same key, because the provider may hold it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instant_alerts').addColumn('handed_at', 'timestamptz').execute();
  // Alerts recorded before this column may have been handed over already: kept whole, as before.
  await sql`update instant_alerts set handed_at = recorded_at where status = 'sending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instant_alerts').dropColumn('handed_at').execute();
}
