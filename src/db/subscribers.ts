import type { Preferences } from '../subscribers/preferences';
import type { Db, SubscribersTable, SuppressionsTable, Tx } from './database';

export type SubscriberRow = Omit<SubscribersTable, 'id' | 'token_version' | 'created_at' | 'digest_cursor'> & {
  id: number;
  token_version: number;
  digest_cursor: number;
  created_at: Date;
};

const toRow = (row: Record<string, unknown>) => ({ ...row, id: Number(row.id), digest_cursor: Number(row.digest_cursor ?? 0) }) as SubscriberRow;

const preferenceColumns = (p: Preferences) => ({
  countries: p.countries,
  regions: p.regions,
  categories: p.categories,
  frequency: p.frequency,
  timezone: p.timezone,
  skip_empty: p.skipEmpty,
});

export function preferencesOf(row: SubscriberRow): Preferences {
  return {
    countries: row.countries,
    regions: row.regions,
    categories: row.categories as Preferences['categories'],
    frequency: row.frequency,
    timezone: row.timezone,
    skipEmpty: row.skip_empty,
  };
}

/**
 * The subscriber with this address, locked for the rest of the transaction; inserted as
 * pending first if there is none, so two racing sign-ups for one address meet here.
 */
export async function lockOrInsertSubscriber(
  trx: Tx,
  input: { email: string; preferences: Preferences; consentSource: string; now: Date },
): Promise<{ subscriber: SubscriberRow; created: boolean }> {
  const inserted = await trx
    .insertInto('subscribers')
    .values({
      email: input.email,
      status: 'pending',
      ...preferenceColumns(input.preferences),
      created_at: input.now,
      updated_at: input.now,
      consent_source: input.consentSource,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { subscriber: toRow(inserted), created: true };
  const existing = await trx.selectFrom('subscribers').selectAll().where('email', '=', input.email).forUpdate().executeTakeFirstOrThrow();
  return { subscriber: toRow(existing), created: false };
}

export async function findSubscriber(db: Db | Tx, id: number): Promise<SubscriberRow | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRow(row) : undefined;
}

export async function lockSubscriber(trx: Tx, id: number): Promise<SubscriberRow | undefined> {
  const row = await trx.selectFrom('subscribers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row ? toRow(row) : undefined;
}

export async function findSubscriberByEmail(db: Db | Tx, email: string): Promise<SubscriberRow | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('email', '=', email).executeTakeFirst();
  return row ? toRow(row) : undefined;
}

export async function updatePreferences(db: Db | Tx, id: number, preferences: Preferences, now: Date): Promise<void> {
  await db.updateTable('subscribers').set({ ...preferenceColumns(preferences), updated_at: now }).where('id', '=', id).execute();
}

export async function markNoticeSent(db: Db | Tx, id: number, now: Date): Promise<void> {
  await db.updateTable('subscribers').set({ notice_sent_at: now }).where('id', '=', id).execute();
}

/**
 * Confirms a pending subscriber and records consent; a confirmed one is left as it is. Their
 * digests start with the changes after this moment.
 */
export async function confirmSubscriber(trx: Tx, id: number, now: Date): Promise<void> {
  await trx
    .updateTable('subscribers')
    .set((eb) => ({
      status: 'confirmed',
      confirmed_at: now,
      consent_at: now,
      updated_at: now,
      digest_cursor: eb.fn.coalesce(eb.selectFrom('changes').select((e) => e.fn.max('id').as('max')), eb.lit(0)),
    }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

export async function deleteSubscriber(trx: Tx, id: number): Promise<void> {
  await trx.deleteFrom('subscribers').where('id', '=', id).execute();
}

export async function findSuppression(db: Db | Tx, emailHash: string) {
  return db.selectFrom('suppressions').selectAll().where('email_hash', '=', emailHash).executeTakeFirst();
}

/** Records a suppression; a bounce or complaint is never downgraded to a plain unsubscribe. */
export async function suppress(db: Db | Tx, entry: SuppressionsTable): Promise<void> {
  await db
    .insertInto('suppressions')
    .values(entry)
    .onConflict((oc) =>
      oc.column('email_hash').doUpdateSet({ reason: entry.reason, created_at: entry.created_at }).where('suppressions.reason', '=', 'unsubscribed'),
    )
    .execute();
}

/** Someone who unsubscribed and confirms a new sign-up wants email again. */
export async function liftUnsubscribe(db: Db | Tx, emailHash: string): Promise<void> {
  await db.deleteFrom('suppressions').where('email_hash', '=', emailHash).where('reason', '=', 'unsubscribed').execute();
}
