import { type Kysely, sql } from 'kysely';

const eventTypes = `'event.published', 'event.updated', 'event.watch_flag_raised', 'event.watch_flag_lifted'`;
const countryTypes = `'country.facts_changed', 'country.treaty_status_changed', 'country.ranking_changed', 'country.performance_changed'`;

/**
 * Country context (issue 16): each country's context as last read from its country page, and
 * its changes in the one change log: a change row names either an event or a country.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('country_contexts')
    .addColumn('country_id', 'text', (col) => col.primaryKey().references('countries.id'))
    .addColumn('context', 'jsonb', (col) => col.notNull())
    .addColumn('source_url', 'text', (col) => col.notNull())
    .addColumn('read_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema
    .alterTable('changes')
    .addColumn('country_id', 'text', (col) => col.references('countries.id'))
    .execute();
  await db.schema
    .alterTable('changes')
    .alterColumn('event_id', (col) => col.dropNotNull())
    .execute();
  await sql`alter table changes drop constraint changes_type_check`.execute(db);
  await sql
    .raw(`alter table changes add constraint changes_type_check check (
      (event_id is not null and country_id is null and type in (${eventTypes}))
      or (country_id is not null and event_id is null and type in (${countryTypes})))`)
    .execute(db);
  await db.schema
    .createIndex('changes_country_id_idx')
    .on('changes')
    .columns(['country_id', 'id'])
    .where(sql.ref('country_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table changes disable trigger changes_append_only`.execute(db);
  await sql`delete from changes where country_id is not null`.execute(db);
  await sql`alter table changes enable trigger changes_append_only`.execute(db);
  await db.schema.dropIndex('changes_country_id_idx').execute();
  await sql`alter table changes drop constraint changes_type_check`.execute(db);
  await sql.raw(`alter table changes add constraint changes_type_check check (type in (${eventTypes}))`).execute(db);
  await db.schema
    .alterTable('changes')
    .alterColumn('event_id', (col) => col.setNotNull())
    .execute();
  await db.schema.alterTable('changes').dropColumn('country_id').execute();
  await db.schema.dropTable('country_contexts').execute();
}
