import { type Kysely, sql } from 'kysely';

/**
 * Integrators (webhook consumers the operator admits) and their API keys. A key is stored only
 * as the SHA-256 of its text (keys are 32 random bytes, so a fast hash is enough), with its first
 * characters kept to recognise it. An endpoint belongs to an integrator, or to the operator (null).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('integrators')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('integrator_id', 'text', (col) => col.notNull().references('integrators.id').onDelete('cascade'))
    .addColumn('prefix', 'text', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    // Set by a rotation: the old key keeps working until then.
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_integrator_idx').on('api_keys').columns(['integrator_id', 'created_at']).execute();

  await db.schema
    .alterTable('webhook_endpoints')
    .addColumn('integrator_id', 'text', (col) => col.references('integrators.id').onDelete('cascade'))
    .execute();
  await sql`create index webhook_endpoints_integrator_idx on webhook_endpoints (integrator_id, created_at) where integrator_id is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_endpoints_integrator_idx').execute();
  await db.schema.alterTable('webhook_endpoints').dropColumn('integrator_id').execute();
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('integrators').execute();
}
