import type { Db, SealedSecret, Tx, WebhookEndpointsTable } from './database';

export type EndpointRow = Omit<WebhookEndpointsTable, 'enabled' | 'created_at' | 'secrets'> & {
  enabled: boolean;
  created_at: Date;
  secrets: SealedSecret[];
};

export async function insertEndpoint(db: Db, row: Omit<EndpointRow, 'failing_since' | 'disabled_reason'>): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({ ...row, secrets: JSON.stringify(row.secrets), failing_since: null, disabled_reason: null })
    .execute();
}

export async function findEndpoint(db: Db | Tx, id: string): Promise<EndpointRow | undefined> {
  return (await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst()) as EndpointRow | undefined;
}

export async function lockEndpoint(trx: Tx, id: string): Promise<EndpointRow | undefined> {
  return (await trx.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()) as
    | EndpointRow
    | undefined;
}

export async function listEndpoints(db: Db): Promise<EndpointRow[]> {
  return (await db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('id').execute()) as EndpointRow[];
}

export async function listEnabledEndpoints(db: Db | Tx): Promise<EndpointRow[]> {
  return (await db.selectFrom('webhook_endpoints').selectAll().where('enabled', '=', true).execute()) as EndpointRow[];
}

export async function updateEndpoint(
  db: Db | Tx,
  id: string,
  patch: Partial<
    Pick<EndpointRow, 'url' | 'description' | 'types' | 'countries' | 'categories' | 'enabled' | 'disabled_reason' | 'failing_since'>
  > & {
    secrets?: SealedSecret[];
    updated_at: Date;
  },
): Promise<void> {
  const { secrets, ...rest } = patch;
  await db
    .updateTable('webhook_endpoints')
    .set({ ...rest, ...(secrets ? { secrets: JSON.stringify(secrets) } : {}) })
    .where('id', '=', id)
    .execute();
}

export async function deleteEndpoint(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
