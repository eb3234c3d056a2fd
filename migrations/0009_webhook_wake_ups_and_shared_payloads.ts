import { type Kysely, sql } from 'kysely';

/**
 * 1. A change's webhook body is stored once (`webhook_payloads`), not once per endpoint: the
 *    fan-out writes one body and N small delivery rows. A delivery's own `payload` (a replay
 *    queuing a change it never had, with the event as it is now) still overrides it.
 * 2. The claim takes each endpoint's oldest due deliveries (an index per endpoint), so a
 *    backlogged endpoint's rows are never scanned to reach the others'.
 * 3. Appending changes or deliveries notifies channel `webhooks` (payload: the schema, so several
 *    schemas can share a database), from the same transaction: PostgreSQL sends it at commit, and
 *    only then. Every instance's webhook pump LISTENs and wakes at once (src/alerts/webhooks/wake-ups.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_payloads')
    .addColumn('change_id', 'bigint', (col) => col.primaryKey())
    .addColumn('body', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .alterTable('webhook_deliveries')
    .alterColumn('payload', (col) => col.dropNotNull())
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_due_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'next_attempt_at', 'id'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  await sql`
    create function notify_webhooks() returns trigger language plpgsql as $$
    begin
      perform pg_notify('webhooks', current_schema());
      return null;
    end
    $$`.execute(db);
  await sql`create trigger changes_wake_webhooks after insert on changes for each statement execute function notify_webhooks()`.execute(db);
  await sql`create trigger webhook_deliveries_wake_webhooks after insert on webhook_deliveries for each statement execute function notify_webhooks()`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger webhook_deliveries_wake_webhooks on webhook_deliveries`.execute(db);
  await sql`drop trigger changes_wake_webhooks on changes`.execute(db);
  await sql`drop function notify_webhooks()`.execute(db);
  await sql`update webhook_deliveries as d set payload = p.body from webhook_payloads as p where d.payload is null and p.change_id = d.change_id`.execute(
    db,
  );
  await db.schema
    .alterTable('webhook_deliveries')
    .alterColumn('payload', (col) => col.setNotNull())
    .execute();
  await db.schema.dropIndex('webhook_deliveries_endpoint_due_idx').execute();
  await db.schema.dropTable('webhook_payloads').execute();
}
