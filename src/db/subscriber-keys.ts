import { sql } from 'kysely';
import type { Db, Tx } from './database';

/** Holds a new key until its holder confirms it, and queues the confirmation encrypted to it, in the caller's transaction. */
export async function setPendingKey(trx: Tx, id: number, input: { armoredKey: string; fingerprint: string; now: Date }): Promise<void> {
  await trx
    .updateTable('subscribers')
    .set({
      openpgp_pending_key: input.armoredKey,
      openpgp_pending_fingerprint: input.fingerprint,
      openpgp_pending_at: input.now,
      updated_at: input.now,
    })
    .where('id', '=', id)
    .execute();
  await sql`insert into signup_notices (subscriber_id, kind, created_at, next_attempt_at)
    values (${id}, 'openpgp', ${input.now}, ${input.now})`.execute(trx);
}

/** The pending key with this fingerprint becomes the active one; false when no such key is pending (already confirmed, replaced or removed). */
export async function confirmPendingKey(db: Db | Tx, id: number, fingerprint: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('subscribers')
    .set((eb) => ({
      openpgp_key: eb.ref('openpgp_pending_key'),
      openpgp_fingerprint: eb.ref('openpgp_pending_fingerprint'),
      openpgp_confirmed_at: now,
      openpgp_pending_key: null,
      openpgp_pending_fingerprint: null,
      openpgp_pending_at: null,
      updated_at: now,
    }))
    .where('id', '=', id)
    .where('openpgp_pending_fingerprint', '=', fingerprint)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Forgets the active and any pending key: email goes in clear again. */
export async function removeKeys(db: Db | Tx, id: number, now: Date): Promise<void> {
  await db
    .updateTable('subscribers')
    .set({
      openpgp_key: null,
      openpgp_fingerprint: null,
      openpgp_confirmed_at: null,
      openpgp_pending_key: null,
      openpgp_pending_fingerprint: null,
      openpgp_pending_at: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/** The active keys of these addresses (only those that have one). */
export async function findActiveKeys(db: Db | Tx, emails: readonly string[]): Promise<Map<string, string>> {
  if (emails.length === 0) return new Map();
  const rows = await db
    .selectFrom('subscribers')
    .select(['email', 'openpgp_key'])
    .where('email', 'in', [...emails])
    .where('openpgp_key', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.email, r.openpgp_key!]));
}
