import { type Insertable, type Selectable, sql } from 'kysely';
import type { Db, Tx, WebhookSigningKeysTable } from './database';

export type SigningKeyRow = Selectable<WebhookSigningKeysTable>;

/**
 * Keys that sign now (and are published): the current one first, then those not yet retired by
 * when they retire (creation times can tie under an injected clock).
 */
export async function listLiveSigningKeys(db: Db | Tx, now: Date): Promise<SigningKeyRow[]> {
  return db
    .selectFrom('webhook_signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('retires_at', 'is', null), eb('retires_at', '>', now)]))
    .orderBy(sql`retires_at is null`, 'desc')
    .orderBy('retires_at', 'desc')
    .orderBy('id')
    .execute();
}

/** Adds a current key unless one exists (the partial unique index keeps one however many instances try). */
export async function insertCurrentSigningKeyIfNone(db: Db | Tx, row: Insertable<WebhookSigningKeysTable>): Promise<void> {
  await db
    .insertInto('webhook_signing_keys')
    .values({ ...row, retires_at: null })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The current key retires at `until` and `next` becomes current, in the caller's transaction. */
export async function replaceCurrentSigningKey(trx: Tx, next: Insertable<WebhookSigningKeysTable>, until: Date): Promise<void> {
  await trx.updateTable('webhook_signing_keys').set({ retires_at: until }).where('retires_at', 'is', null).execute();
  await trx
    .insertInto('webhook_signing_keys')
    .values({ ...next, retires_at: null })
    .execute();
}
