import { sql } from 'kysely';
import type { Db } from './database';

/**
 * Deletes for the retention cleanup. Each statement removes at most `batch` rows (a short
 * transaction, a bounded lock footprint) and is idempotent, so the cleanup can be repeated,
 * killed between batches, or run on several instances at once without harm.
 */

/** Sign-ups never confirmed: pending, with no sign-up, change or confirmation email since `before`. */
export async function deleteUnconfirmedSubscribers(db: Db, before: Date, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('subscribers')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('subscribers')
        .select('id')
        .where('status', '=', 'pending')
        .where('created_at', '<', before)
        .where('updated_at', '<', before)
        .where((w) => w.or([w('notice_sent_at', 'is', null), w('notice_sent_at', '<', before)]))
        .limit(batch),
    )
    // Re-checked on the row itself: a confirmation committed meanwhile keeps the subscriber.
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Webhook attempt records older than `before`, whatever their delivery's state. */
export async function deleteOldWebhookAttempts(db: Db, before: Date, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_attempts')
    .where('id', 'in', (eb) => eb.selectFrom('webhook_attempts').select('id').where('attempted_at', '<', before).limit(batch))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Finished deliveries (delivered or failed) whose last activity is older than `before`. A
 * pending delivery is never deleted: the dispatcher still needs it, however old it is.
 */
export async function deleteFinishedDeliveries(db: Db, before: Date, batch: number): Promise<number> {
  const old = sql<boolean>`coalesce(delivered_at, next_attempt_at) < ${before} and created_at < ${before}`;
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('id', 'in', (eb) =>
      eb.selectFrom('webhook_deliveries').select('id').where('status', 'in', ['delivered', 'failed']).where(old).limit(batch),
    )
    // Re-checked on the row itself: an operator's retry may have re-queued it meanwhile.
    .where('status', 'in', ['delivered', 'failed'])
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Stored webhook bodies (one per change, shared by its deliveries) that no delivery points at
 * any more, once the cleanup deleted the last of them. Fan-out writes a body and its deliveries
 * in one transaction, so a body it is writing is never seen here without them.
 */
export async function deleteUnusedWebhookPayloads(db: Db, batch: number): Promise<number> {
  const result = await sql`
    delete from webhook_payloads
    where change_id in (
      select p.change_id from webhook_payloads as p
      where not exists (select 1 from webhook_deliveries as d where d.change_id = p.change_id)
      limit ${batch})
    and not exists (select 1 from webhook_deliveries as d where d.change_id = webhook_payloads.change_id)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Expired rate-limit counters (the table keeps rate-limiter-flexible's old layout, not in the Kysely types);
 * its `expire` is in epoch milliseconds.
 */
export async function deleteExpiredRateLimits(db: Db, now: Date, batch: number): Promise<number> {
  const result = await sql`
    delete from rate_limits
    where key in (select key from rate_limits where expire < ${now.getTime()} limit ${batch}) and expire < ${now.getTime()}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
