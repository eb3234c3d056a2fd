import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, Tx, WebhookEndpointsTable } from './database';

export type EndpointRow = Selectable<WebhookEndpointsTable>;
/** `secrets` is written as JSON text: `JSON.stringify(secrets)`. */
export type NewEndpoint = Insertable<WebhookEndpointsTable>;
export type EndpointPatch = Updateable<WebhookEndpointsTable>;

export async function insertEndpoint(db: Db, endpoint: NewEndpoint): Promise<void> {
  await db.insertInto('webhook_endpoints').values(endpoint).execute();
}

export async function findEndpoint(db: Db | Tx, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockEndpoint(trx: Tx, id: string): Promise<EndpointRow | undefined> {
  return trx.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Every endpoint, or only an integrator's when `integratorId` is given. */
export async function listEndpoints(db: Db, integratorId?: string): Promise<EndpointRow[]> {
  let query = db.selectFrom('webhook_endpoints').selectAll();
  if (integratorId !== undefined) query = query.where('integrator_id', '=', integratorId);
  return query.orderBy('created_at').orderBy('id').execute();
}

export async function listEnabledEndpoints(db: Db | Tx): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('enabled', '=', true).execute();
}

export async function updateEndpoint(db: Db | Tx, id: string, patch: EndpointPatch): Promise<void> {
  await db.updateTable('webhook_endpoints').set(patch).where('id', '=', id).execute();
}

/** Deletes an endpoint (only if it is `integratorId`'s, when given). */
export async function deleteEndpoint(db: Db, id: string, integratorId?: string): Promise<boolean> {
  let query = db.deleteFrom('webhook_endpoints').where('id', '=', id);
  if (integratorId !== undefined) query = query.where('integrator_id', '=', integratorId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
