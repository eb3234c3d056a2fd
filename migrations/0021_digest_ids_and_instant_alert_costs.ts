import { type Kysely, sql } from 'kysely';

/**
 * Readers' leftovers of issue 14.
 *
 * Every digest gets an opaque random public id, which its web-view link carries instead of the
 * sequential row id (that told a reader how many digests had gone out before theirs). Existing
 * rows each get their own value from the volatile default. Links signed before this name the
 * row id; they keep working (the view page reads both). Looked up with the subscriber the link
 * names, so the (subscriber_id, period_key) index finds it and no index of its own is needed.
 *
 * `instant_alert_items` loses its foreign key to `subscribers`: its check cost 0.45 s of a 1.1 s
 * insert of 25,000 items (one detection's flags for 10,000 readers), all before the first alert
 * of the burst could go. Deleting a subscriber still deletes their items, through their alerts
 * (`alert_id` cascades, and alerts cascade from subscribers).
 *
 * Pending alerts of readers who turned instant alerts off before that dropped them (as
 * db/subscribers.ts now does) are dropped here, so none is ever sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('digests')
    .addColumn('public_id', 'uuid', (col) => col.notNull().defaultTo(sql`gen_random_uuid()`))
    .execute();
  await db.schema.alterTable('instant_alert_items').dropConstraint('instant_alert_items_subscriber_id_fkey').execute();
  await sql`delete from instant_alerts as a using subscribers as s
    where s.id = a.subscriber_id and a.status = 'pending' and not (s.instant_alerts and s.status = 'confirmed')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('instant_alert_items')
    .addForeignKeyConstraint('instant_alert_items_subscriber_id_fkey', ['subscriber_id'], 'subscribers', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.alterTable('digests').dropColumn('public_id').execute();
}
