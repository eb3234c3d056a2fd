import { type Kysely, sql } from 'kysely';

/**
 * Room on each page for the next version of a row, so updates that change no indexed column
 * stay on the page as heap-only tuples (HOT) and write no index entries. An instant alert is
 * updated four times on its way out: claimed and handed over without touching an indexed
 * column, which a full page turned into a new entry in each of its indexes. A subscriber's
 * `instant_sent_at` (and the other columns that change with a send or a preference) is in no
 * index either. Fill factors take effect for rows written from now on; nothing is rewritten.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table instant_alerts set (fillfactor = 50)`.execute(db);
  await sql`alter table subscribers set (fillfactor = 90)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table instant_alerts reset (fillfactor)`.execute(db);
  await sql`alter table subscribers reset (fillfactor)`.execute(db);
}
