import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database';
import { claimJobs, dueAt } from '../src/db/queue/claim-jobs';
import { completeJobs } from '../src/db/queue/complete-jobs';
import { failJobs } from '../src/db/queue/fail-jobs';
import { leaseOwner, leasePrefix } from '../src/db/queue/lease-owner';
import { digestBatches } from '../src/db/queue/queues';
import { retryJobsLater } from '../src/db/queue/retry-jobs-later';
import { retryAt } from '../src/db/queue/retry-schedule';
import { returnJobs } from '../src/db/queue/return-jobs';
import { createTestDatabase, onPostgres, type TestDatabase } from '../testkit/db';

// The queue module on one of its tables (digest batches: no foreign keys to fill in).
let database: TestDatabase;
const T0 = new Date('2025-03-01T12:00:00Z');
const LEASE_MS = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});
beforeEach(async () => {
  await database.db.deleteFrom('digest_batches').execute();
});

async function enqueue(count: number, dueAt = T0): Promise<number[]> {
  const rows = await database.db
    .insertInto('digest_batches')
    .values(
      Array.from({ length: count }, (_, i) => ({
        idempotency_key: `key-${i}-${Math.random()}`,
        status: 'sending' as const,
        attempts: 0,
        next_attempt_at: dueAt,
        created_at: T0,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

async function claim(db: Db, owner: string, now: Date, limit = 10): Promise<{ id: number; attempts: number }[]> {
  const rows = await claimJobs<{ id: string; attempts: number }>(db, digestBatches, {
    owner,
    leaseUntil: new Date(now.getTime() + LEASE_MS),
    chosen: sql`chosen as (
      select id from digest_batches where ${dueAt(digestBatches, now)}
      order by next_attempt_at, id limit ${limit}
      for update skip locked
    )`,
    returning: sql`job.id, job.attempts`,
  });
  return rows.map((r) => ({ id: Number(r.id), attempts: r.attempts })).sort((a, b) => a.id - b.id);
}

const row = (id: number) => database.db.selectFrom('digest_batches').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('queue module: claim with lease and owner, complete, retry later, fail, hand back', () => {
  it('a claim takes due rows with attempts + 1 and the lease; they are not claimed again while it holds', async () => {
    const ids = await enqueue(3);
    const owner = leaseOwner('digest', 'instance-a');
    expect(owner.startsWith(leasePrefix('digest', 'instance-a'))).toBe(true);
    expect(await claim(database.db, owner, T0)).toEqual(ids.map((id) => ({ id, attempts: 1 })));
    expect(await row(ids[0]!)).toMatchObject({ locked_by: owner, locked_until: at(LEASE_MS) });
    expect(await claim(database.db, leaseOwner('digest', 'instance-b'), at(LEASE_MS - 1))).toEqual([]);
  });

  it('a row not yet due is not claimed', async () => {
    await enqueue(1, at(1_000));
    expect(await claim(database.db, 'o', T0)).toEqual([]);
    expect(await claim(database.db, 'o', at(1_000))).toHaveLength(1);
  });

  it('an expired lease is claimed again, by its new owner, the attempt counted', async () => {
    const [id] = await enqueue(1);
    await claim(database.db, 'dead-owner', T0);
    const later = at(LEASE_MS + 1);
    expect(await claim(database.db, 'new-owner', later)).toEqual([{ id, attempts: 2 }]);
    expect(await row(id!)).toMatchObject({ locked_by: 'new-owner', locked_until: new Date(later.getTime() + LEASE_MS) });
    // The old owner's hand-back no longer touches it.
    expect(await returnJobs(database.db, digestBatches, { owner: 'dead-owner', ids: [id!] })).toBe(0);
    expect(await row(id!)).toMatchObject({ locked_by: 'new-owner', attempts: 2 });
  });

  it('hand back: claimable again at once, the attempt not counted; by owner prefix it returns every lease of a process', async () => {
    const ids = await enqueue(3);
    const mine = leaseOwner('digest', 'instance-a');
    await claim(database.db, mine, T0, 2);
    const theirs = leaseOwner('digest', 'instance-b');
    await claim(database.db, theirs, T0, 1);
    expect(await returnJobs(database.db, digestBatches, { owner: mine, ids: [ids[0]!] })).toBe(1);
    expect(await row(ids[0]!)).toMatchObject({ attempts: 0, locked_by: null, locked_until: null });
    expect(await returnJobs(database.db, digestBatches, { ownerPrefix: leasePrefix('digest', 'instance-a') })).toBe(1);
    expect(await row(ids[1]!)).toMatchObject({ attempts: 0, locked_by: null, locked_until: null });
    expect(await row(ids[2]!)).toMatchObject({ attempts: 1, locked_by: theirs });
    expect(await claim(database.db, mine, T0)).toEqual([
      { id: ids[0], attempts: 1 },
      { id: ids[1], attempts: 1 },
    ]);
  });

  it('retry later: due again at the schedule step from the injected clock, never sooner than a Retry-After', async () => {
    const [id] = await enqueue(1);
    await claim(database.db, 'o', T0);
    const schedule = [30_000, 120_000];
    expect(retryAt({ now: T0, schedule, retry: 0 })).toEqual(at(30_000));
    expect(retryAt({ now: T0, schedule, retry: 5 })).toEqual(at(120_000));
    expect(retryAt({ now: T0, schedule, retry: 0, retryAfterMs: 90_000 })).toEqual(at(90_000));
    expect(retryAt({ now: T0, schedule, retry: 1, retryAfterMs: 1_000 })).toEqual(at(120_000));
    await retryJobsLater(database.db, digestBatches, { ids: [id!], at: retryAt({ now: T0, schedule, retry: 0 }), error: 'busy' });
    expect(await row(id!)).toMatchObject({
      next_attempt_at: at(30_000),
      locked_by: null,
      locked_until: null,
      attempts: 1,
      last_error: 'busy',
    });
    expect(await claim(database.db, 'o', at(29_999))).toEqual([]);
    expect(await claim(database.db, 'o', at(30_000))).toEqual([{ id, attempts: 2 }]);
  });

  it('fail keeps the reason and the row is never claimed again; complete releases the lease', async () => {
    const [failed, done] = await enqueue(2);
    await claim(database.db, 'o', T0);
    await failJobs(database.db, digestBatches, { ids: [failed!], now: at(5), error: 'refused: bad address' });
    await completeJobs(database.db, digestBatches, { ids: [done!], now: at(6) });
    expect(await row(failed!)).toMatchObject({ status: 'failed', last_error: 'refused: bad address', locked_by: null, locked_until: null });
    expect(await row(done!)).toMatchObject({ status: 'sent', sent_at: at(6), locked_by: null, locked_until: null });
    expect(await claim(database.db, 'o', at(10 * LEASE_MS))).toEqual([]);
  });

  it.runIf(onPostgres)('two claimers at once on PostgreSQL each take their own rows: every due row once', async () => {
    const ids = await enqueue(300);
    const other = database.openAnother(4);
    try {
      // Each waits after its first claim for the other's, so a second pool still connecting cannot find the queue empty; then they race.
      const firstClaimed: Array<() => void> = [];
      const bothClaimedOnce = Promise.all([0, 1].map(() => new Promise<void>((resolve) => firstClaimed.push(resolve))));
      const takeAll = async (db: Db, owner: string, index: number) => {
        const taken: number[] = [];
        for (;;) {
          const rows = await claim(db, owner, T0, 7);
          if (taken.length === 0) {
            firstClaimed[index]!();
            await bothClaimedOnce;
          }
          if (rows.length === 0) return taken;
          taken.push(...rows.map((r) => r.id));
        }
      };
      const [a, b] = await Promise.all([takeAll(database.db, 'claimer-a', 0), takeAll(other.db, 'claimer-b', 1)]);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(ids);
      const attempts = await database.db.selectFrom('digest_batches').select('attempts').distinct().execute();
      expect(attempts).toEqual([{ attempts: 1 }]);
    } finally {
      await other.close();
    }
  });
});
