import type { Kysely } from 'kysely';

/**
 * A digest's reports are recorded once each, not once per reader: `digest_items` holds each
 * report line by the hash of its content, and `digests.model` refers to them (see
 * src/db/digest-items.ts). Rows are never changed, so a batch read back later (a retry after a
 * crash, the web version) renders exactly what was first sent. Models recorded before this
 * migration keep their reports inline and are read as they are.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('digest_items')
    .addColumn('ref', 'text', (col) => col.primaryKey())
    .addColumn('item', 'jsonb', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('digest_items').execute();
}
