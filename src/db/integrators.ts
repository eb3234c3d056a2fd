import type { Insertable, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { ApiKeysTable, Db, IntegratorsTable, Tx } from './database';

export type IntegratorRow = Selectable<IntegratorsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKey = Insertable<ApiKeysTable>;

export async function insertIntegrator(db: Db | Tx, row: Insertable<IntegratorsTable>): Promise<void> {
  await db.insertInto('integrators').values(row).execute();
}

export async function insertApiKey(db: Db | Tx, row: NewApiKey): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

export async function findIntegrator(db: Db | Tx, id: string): Promise<IntegratorRow | undefined> {
  return db.selectFrom('integrators').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listIntegrators(db: Db): Promise<IntegratorRow[]> {
  return db.selectFrom('integrators').selectAll().orderBy('created_at').orderBy('id').execute();
}

/** Deletes an integrator with its keys and endpoints (and their deliveries). */
export async function deleteIntegrator(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('integrators').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listApiKeys(db: Db | Tx, integratorIds: readonly string[]): Promise<ApiKeyRow[]> {
  if (integratorIds.length === 0) return [];
  return db.selectFrom('api_keys').selectAll().where('integrator_id', 'in', integratorIds).orderBy('created_at').orderBy('id').execute();
}

export async function lockApiKey(trx: Tx, integratorId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return trx
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', keyId)
    .where('integrator_id', '=', integratorId)
    .forUpdate()
    .executeTakeFirst();
}

export async function setApiKeyEnd(db: Db | Tx, keyId: string, end: { revoked_at: Date } | { expires_at: Date }): Promise<void> {
  await db.updateTable('api_keys').set(end).where('id', '=', keyId).execute();
}

export interface ApiKeyUse {
  id: string;
  integrator_id: string;
  revoked_at: Date | null;
  expires_at: Date | null;
  /** Requests counted in the key's current window (null when the key is not live). */
  points: number | null;
  /** When the window ends, Unix ms. */
  expire: number | null;
}

/**
 * One statement per request made with a key: finds it by hash and, if it is live, counts the
 * request in `rate_limits` (`apiKey:<id>`, a fixed window shared by every instance) and records
 * its last use (at most once per `lastUsedEveryMs`, so busy keys do not rewrite their row on
 * every request).
 */
export async function useApiKey(
  db: Db,
  input: { hash: string; now: Date; windowMs: number; lastUsedEveryMs: number },
): Promise<ApiKeyUse | undefined> {
  const nowMs = input.now.getTime();
  const staleBefore = new Date(nowMs - input.lastUsedEveryMs);
  const result = await sql<ApiKeyUse>`
    with k as (
      select id, integrator_id, revoked_at, expires_at from api_keys where hash = ${input.hash}
    ), live as (
      select id from k where revoked_at is null and (expires_at is null or expires_at > ${input.now})
    ), counted as (
      insert into rate_limits as r (key, points, expire)
      select 'apiKey:' || live.id, 1, ${nowMs + input.windowMs}::bigint from live
      on conflict (key) do update set
        points = case when r.expire <= ${nowMs} then 1 else r.points + 1 end,
        expire = case when r.expire <= ${nowMs} then excluded.expire else r.expire end
      returning r.points, r.expire
    ), used as (
      update api_keys set last_used_at = ${input.now}
      where id in (select id from live) and (last_used_at is null or last_used_at < ${staleBefore})
    )
    select k.id, k.integrator_id, k.revoked_at, k.expires_at, c.points, c.expire
    from k left join counted as c on true`.execute(db);
  const row = result.rows[0];
  return row && { ...row, expire: row.expire === null ? null : Number(row.expire) };
}

/** A new integrator with its first key, in one transaction. */
export async function createIntegratorWithKey(
  db: Db,
  input: { id: string; name: string; key: Omit<NewApiKey, 'integrator_id' | 'created_at'>; now: Date },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await insertIntegrator(trx, { id: input.id, name: input.name, created_at: input.now });
    await insertApiKey(trx, { ...input.key, integrator_id: input.id, created_at: input.now });
  });
}

/**
 * A new key for the integrator; the rotated one keeps working until `oldExpiresAt` (or its own
 * earlier expiry). Undefined when the integrator has no such key, or it is revoked or expired.
 */
export async function rotateApiKey(
  db: Db,
  input: { integratorId: string; keyId: string; key: Omit<NewApiKey, 'integrator_id' | 'created_at'>; now: Date; oldExpiresAt: Date },
): Promise<ApiKeyRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const old = await lockApiKey(trx, input.integratorId, input.keyId);
    if (!old || old.revoked_at || (old.expires_at && old.expires_at <= input.now)) return undefined;
    const expiresAt = old.expires_at && old.expires_at < input.oldExpiresAt ? old.expires_at : input.oldExpiresAt;
    await setApiKeyEnd(trx, old.id, { expires_at: expiresAt });
    await insertApiKey(trx, { ...input.key, integrator_id: input.integratorId, created_at: input.now });
    return { ...old, expires_at: expiresAt };
  });
}

/** Revokes a key now; answers false when the integrator has no such key. Revoking twice keeps the first time. */
export async function revokeApiKey(db: Db, input: { integratorId: string; keyId: string; now: Date }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const key = await lockApiKey(trx, input.integratorId, input.keyId);
    if (!key) return false;
    if (!key.revoked_at) await setApiKeyEnd(trx, key.id, { revoked_at: input.now });
    return true;
  });
}
