import { type Kysely, sql } from 'kysely';

/**
 * The service's Ed25519 keys for Standard Webhooks `v1a` signatures (published as a JWKS), and
 * each endpoint's choice of signature schemes. One key is current (retires_at null); a rotated
 * key keeps signing until it retires, so receivers can switch keys without losing a delivery.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_signing_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    // PKCS#8 DER, base64, sealed like endpoint secrets (AES-256-GCM under a key from APP_SECRET).
    .addColumn('private_key', 'text', (col) => col.notNull())
    // The raw 32-byte public key, base64url: the JWK's `x`.
    .addColumn('public_key', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('retires_at', 'timestamptz')
    .execute();
  // At most one current key, however many instances make the first one at once.
  await sql`create unique index webhook_signing_keys_one_current on webhook_signing_keys ((true)) where retires_at is null`.execute(db);

  await db.schema
    .alterTable('webhook_endpoints')
    .addColumn('signature_schemes', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{v1}'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_endpoints').dropColumn('signature_schemes').execute();
  await db.schema.dropTable('webhook_signing_keys').execute();
}
