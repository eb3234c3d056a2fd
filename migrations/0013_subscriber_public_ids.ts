import { type Kysely, sql } from 'kysely';

/**
 * Every subscriber gets an opaque random public id, which link tokens carry instead of the
 * sequential row id (that told a reader how many subscribers there are, and whose turn was next).
 * Existing rows each get their own value from the volatile default. Tokens signed before this
 * still name the row id; they keep working (src/email/tokens.ts reads both).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('subscribers')
    .addColumn('public_id', 'uuid', (col) => col.notNull().unique().defaultTo(sql`gen_random_uuid()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('subscribers').dropColumn('public_id').execute();
}
