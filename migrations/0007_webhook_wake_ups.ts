import { type Kysely, sql } from 'kysely';

/**
 * Appending changes or deliveries notifies channel `webhooks` (payload: the schema, so several
 * schemas can share a database), from the same transaction: PostgreSQL sends it at commit, and
 * only then. Every instance's webhook pump LISTENs and wakes at once (src/alerts/webhooks/wake-ups.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function notify_webhooks() returns trigger language plpgsql as $$
    begin
      perform pg_notify('webhooks', current_schema());
      return null;
    end
    $$`.execute(db);
  await sql`create trigger changes_wake_webhooks after insert on changes for each statement execute function notify_webhooks()`.execute(db);
  await sql`create trigger webhook_deliveries_wake_webhooks after insert on webhook_deliveries for each statement execute function notify_webhooks()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger webhook_deliveries_wake_webhooks on webhook_deliveries`.execute(db);
  await sql`drop trigger changes_wake_webhooks on changes`.execute(db);
  await sql`drop function notify_webhooks()`.execute(db);
}
