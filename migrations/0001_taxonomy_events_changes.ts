import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('countries')
    .addColumn('id', 'char(3)', (col) => col.primaryKey())
    .addColumn('alpha2', 'char(2)', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('official_name', 'text', (col) => col.notNull())
    .addColumn('region', 'text', (col) => col.notNull())
    .addColumn('subregion', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('categories')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('position', 'integer', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('factors')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('category_id', 'text', (col) => col.notNull().references('categories.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('position', 'integer', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('country_id', 'char(3)', (col) => col.notNull().references('countries.id'))
    .addColumn('month', 'text', (col) => col.notNull().check(sql`month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`))
    .addColumn('title', 'text', (col) => col.notNull())
    .addColumn('body', 'text', (col) => col.notNull())
    .addColumn('categories', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('factors', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('watch_flag', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('updates', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('sources', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('url', 'text')
    .addColumn('content_hash', 'text', (col) => col.notNull())
    .addColumn('first_seen_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_changed_at', 'timestamptz', (col) => col.notNull())
    .execute();

  // GET /v1/events: newest month first, keyset on (month, id), optionally per country.
  await db.schema.createIndex('events_month_id_idx').on('events').columns(['month desc', 'id']).execute();
  await db.schema.createIndex('events_country_month_id_idx').on('events').columns(['country_id', 'month desc', 'id']).execute();
  await db.schema.createIndex('events_categories_idx').on('events').using('gin').column('categories').execute();
  await db.schema.createIndex('events_factors_idx').on('events').using('gin').column('factors').execute();
  await db.schema.createIndex('events_last_changed_at_idx').on('events').column('last_changed_at').execute();

  await db.schema
    .createTable('changes')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('type', 'text', (col) =>
      col.notNull().check(sql`type in ('event.published', 'event.updated', 'event.watch_flag_raised', 'event.watch_flag_lifted')`),
    )
    .addColumn('event_id', 'text', (col) => col.notNull().references('events.id'))
    .addColumn('previous', 'jsonb')
    .addColumn('detected_at', 'timestamptz', (col) => col.notNull())
    .execute();

  // The change log is append-only: consumers hold cursors into it.
  await sql`
    create function changes_are_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'the change log is append-only (% refused)', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger changes_append_only before update or delete on changes
    for each row execute function changes_are_append_only()`.execute(db);

  await db.schema.createIndex('changes_event_id_idx').on('changes').columns(['event_id', 'id']).execute();
  await db.schema.createIndex('changes_detected_at_idx').on('changes').column('detected_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists changes_are_append_only() cascade`.execute(db);
  for (const table of ['changes', 'events', 'factors', 'categories', 'countries']) {
    await db.schema.dropTable(table).execute();
  }
}
