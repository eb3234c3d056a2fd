import { type Kysely, sql } from 'kysely';

/**
 * The instant-alert claims read only the rows they can take. One index covered both pending and
 * sending alerts (`instant_alerts_due_idx`), so during a burst each claim of pending alerts
 * walked past every alert already recorded (`sending`, the status checked in the table), and
 * each look for a stale batch past every pending one: 7,500 alerts made each claim cost more
 * the further the burst went. Two partial indexes, one per status, replace it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index instant_alerts_pending_due_idx on instant_alerts (next_attempt_at, id) where status = 'pending'`.execute(db);
  await sql`create index instant_alerts_sending_due_idx on instant_alerts (next_attempt_at, id) where status = 'sending'`.execute(db);
  await db.schema.dropIndex('instant_alerts_due_idx').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index instant_alerts_due_idx on instant_alerts (next_attempt_at, id) where status in ('pending', 'sending')`.execute(db);
  await db.schema.dropIndex('instant_alerts_sending_due_idx').execute();
  await db.schema.dropIndex('instant_alerts_pending_due_idx').execute();
}
