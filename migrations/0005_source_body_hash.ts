import type { Kysely } from 'kysely';

// A hash of the last body a source gave: a 200 with the same bytes is handled like a 304.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('source_states').addColumn('body_hash', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('source_states').dropColumn('body_hash').execute();
}
