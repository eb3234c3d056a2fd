import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEventBatch } from '../src/alerts/ingest';
import { listChangesAfter } from '../src/db/changes';
import type { DatabaseHandle } from '../src/db/connect';
import { createTestApp, type TestApp } from '../testkit/app';
import { createTestDatabase, onPostgres, type TestDatabase } from '../testkit/db';
import { normalised, sampleEvent } from '../testkit/events';

// Races need real concurrent connections: PGlite has one connection and runs one query at a time.
describe.runIf(onPostgres)('the change log under concurrent writers (PostgreSQL)', () => {
  let database: TestDatabase;
  let other: DatabaseHandle;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    other = database.openAnother();
    a = await createTestApp({}, database);
    b = await createTestApp({}, { ...database, ...other });
  });
  afterAll(async () => {
    await other.close();
    await database.close();
  });

  it('two requests racing with the same new event publish it exactly once', async () => {
    for (let round = 0; round < 15; round++) {
      const event = sampleEvent();
      const [ra, rb] = await Promise.all([
        a.call('POST', '/v1/admin/events', { events: [event] }, { admin: true }),
        b.call('POST', '/v1/admin/events', { events: [event] }, { admin: true }),
      ]);
      expect([ra.status, rb.status]).toEqual([200, 200]);
      const counts = [await ra.json(), await rb.json()].map((r) => (r as { published: number }).published).sort();
      expect(counts).toEqual([0, 1]);
      const rows = await database.db.selectFrom('changes').select('type').where('event_id', '=', event.id).execute();
      expect(rows).toEqual([{ type: 'event.published' }]);
    }
  });

  it('a consumer reading id > cursor never skips a change that commits late', async () => {
    const held = normalised(sampleEvent());
    const late = sampleEvent();
    let cursor = Number(
      (
        await database.db
          .selectFrom('changes')
          .select((eb) => eb.fn.max('id').as('max'))
          .executeTakeFirst()
      )?.max ?? 0,
    );
    const seen: number[] = [];
    const consume = async () => {
      for (const change of await listChangesAfter(database.db, cursor, 1000)) {
        seen.push(change.id);
        cursor = change.id;
      }
    };

    let release!: () => void;
    const releaseSignal = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const appendedSignal = new Promise<void>((resolve) => (appended = resolve));
    // Writer A draws its change id, then keeps its transaction open.
    const writerA = other.db.transaction().execute(async (trx) => {
      await applyEventBatch(trx, [held], new Date());
      appended();
      await releaseSignal;
    });
    await appendedSignal;

    // Writer B starts after A drew its id and would commit first without the lock.
    let writerBDone = false;
    const writerB = b.call('POST', '/v1/admin/events', { events: [late] }, { admin: true }).then((res) => {
      writerBDone = true;
      return res;
    });
    for (let i = 0; i < 10; i++) {
      await consume();
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(writerBDone).toBe(false); // B waits for A: the log has one writer at a time
    expect(seen).toEqual([]);

    release();
    await writerA;
    expect((await writerB).status).toBe(200);
    await consume();

    const all = await database.db
      .selectFrom('changes')
      .select(['id', 'event_id'])
      .where('event_id', 'in', [held.id, late.id])
      .orderBy('id')
      .execute();
    expect(all.map((r) => r.event_id)).toEqual([held.id, late.id]);
    expect(seen).toEqual(all.map((r) => Number(r.id)));
  });
});
