import { type Kysely, sql } from 'kysely';

/**
 * The language a subscriber reads their pages and emails in (issue 17 item 3): chosen at
 * sign-up (from Accept-Language unless they pick one), changed in the preference centre.
 * Everyone already stored has had English.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('subscribers')
    .addColumn('language', 'text', (col) => col.notNull().defaultTo('en').check(sql`language in ('en', 'es', 'fr')`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('subscribers').dropColumn('language').execute();
}
