import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock';
import { migrateToLatest } from '../src/db/migrate';
import { createMetrics } from '../src/metrics';
import { taxonomySeed } from '../src/taxonomy/seed';
import { createTestDatabase, type TestDatabase } from '../testkit/db';
import { ingestInputs, sampleEvent } from '../testkit/events';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const columns = async (table: string) =>
  (
    await sql<{ column_name: string; data_type: string; is_identity: string; identity_generation: string | null }>`
      select column_name, data_type, is_identity, identity_generation from information_schema.columns
      where table_name = ${table} and table_schema = current_schema() order by ordinal_position`.execute(database.db)
  ).rows;

describe('migrations', () => {
  it('create the tables the service reads, with the change log keyed by a bigint identity', async () => {
    for (const table of ['countries', 'categories', 'factors', 'events', 'changes']) {
      expect((await columns(table)).length, table).toBeGreaterThan(0);
    }
    expect((await columns('events')).map((c) => c.column_name)).toEqual(
      expect.arrayContaining(['content_hash', 'first_seen_at', 'last_changed_at', 'watch_flag']),
    );
    const id = (await columns('changes')).find((c) => c.column_name === 'id');
    expect(id).toMatchObject({ data_type: 'bigint', is_identity: 'YES', identity_generation: 'ALWAYS' });
    const indexes = await sql<{ indexname: string }>`select indexname from pg_indexes where schemaname = current_schema()`.execute(
      database.db,
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(['events_month_id_idx', 'events_country_month_id_idx', 'events_categories_idx', 'changes_event_id_idx']),
    );
  });

  it('are safe to run again: nothing new is applied and the taxonomy is not duplicated', async () => {
    expect(await migrateToLatest(database.db, taxonomySeed)).toEqual({ applied: [] });
    const { n } = await database.db
      .selectFrom('countries')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(249);
  });

  it('make the change log append-only', async () => {
    const deps = { db: database.db, clock: systemClock, metrics: createMetrics() };
    await ingestInputs(deps, [sampleEvent()]);
    await expect(sql`update changes set type = 'event.updated'`.execute(database.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from changes`.execute(database.db)).rejects.toThrow(/append-only/);
  });
});
