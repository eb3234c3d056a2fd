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

export async function listEndpoints(db: Db): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function listEnabledEndpoints(db: Db | Tx): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().where('enabled', '=', true).execute();
}

export async function updateEndpoint(db: Db | Tx, id: string, patch: EndpointPatch): Promise<void> {
  await db.updateTable('webhook_endpoints').set(patch).where('id', '=', id).execute();
}

export async function deleteEndpoint(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
