import type { Db, Tx } from './database';

/** A digest the subscriber was sent: its period and when it went out. */
export interface SentDigestRow {
  period_key: string;
  due_at: Date;
  finished_at: Date | null;
  item_count: number | null;
}

/** Every digest sent to a subscriber, oldest first (for their data export). */
export async function listSentDigests(db: Db | Tx, subscriberId: number): Promise<SentDigestRow[]> {
  return db
    .selectFrom('digests')
    .select(['period_key', 'due_at', 'finished_at', 'item_count'])
    .where('subscriber_id', '=', subscriberId)
    .where('status', '=', 'sent')
    .orderBy('due_at')
    .orderBy('id')
    .execute();
}

/** When each instant alert to a subscriber went out, oldest first. */
export async function listSentInstantAlerts(db: Db | Tx, subscriberId: number): Promise<{ sent_at: Date | null }[]> {
  return db
    .selectFrom('instant_alerts')
    .select(['sent_at'])
    .where('subscriber_id', '=', subscriberId)
    .where('status', '=', 'sent')
    .orderBy('sent_at')
    .orderBy('id')
    .execute();
}
