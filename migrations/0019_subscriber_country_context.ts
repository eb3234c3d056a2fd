import type { Kysely } from 'kysely';

/**
 * A subscriber's "country context" choice (issue 16): their digest also says when a followed
 * country's Basic Information, treaty status, ranking or 6-month trend changed. Off for everyone
 * until they choose it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('subscribers')
    .addColumn('country_context', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('subscribers').dropColumn('country_context').execute();
}
