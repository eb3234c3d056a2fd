import { type Kysely, sql } from 'kysely';

/**
 * The language an event's report is written in, when its source says (issue 17 item 3): a BCP 47
 * primary language subtag (`es`, `kk`), or null when the source gives none. Report texts stay as
 * the source gives them; readers see the language when it differs from theirs. Existing events
 * have none, and their content hashes stay as they are (the hash counts a language only when set).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('language', 'text', (col) => col.check(sql`language ~ '^[a-z]{2,3}$'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('language').execute();
}
