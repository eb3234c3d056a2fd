import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_LEASE_MS, runDigestTick } from '../src/alerts/digest/runner';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { sampleEvent } from '../testkit/events';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const tick = (asOf: string, extra: Partial<Parameters<typeof runDigestTick>[1]> = {}) =>
  runDigestTick(t.deps, { asOf: new Date(asOf), trigger: 'test', ...extra });
const ingest = async (title: string) =>
  expect((await t.call('POST', '/v1/admin/events', { events: [sampleEvent({ country: 'GEO', title })] }, { admin: true })).status).toBe(
    200,
  );

/** The subscriber's digests: period and status, in the order they were created. */
async function digestsOf(id: number) {
  return t.deps.db
    .selectFrom('digests')
    .select(['period_key', 'status', 'batch_id'])
    .where('subscriber_id', '=', id)
    .orderBy('id')
    .execute();
}

describe('a subscriber never gets a period older than one already sent', () => {
  it('after an operator run with a future --now, the periods before it are not sent', async () => {
    const [id] = await seedSubscribers(t.deps, { count: 1, prefix: 'order-future', countries: ['GEO'] });
    await ingest('Before the future run');
    await tick('2027-03-01T09:05:00Z');
    expect(await digestsOf(id!)).toMatchObject([{ period_key: '2027-03', status: 'sent' }]);

    await ingest('After the future run');
    for (const asOf of ['2027-01-01T09:05:00Z', '2027-02-01T09:05:00Z', '2027-03-01T09:05:00Z']) await tick(asOf);
    expect(await digestsOf(id!)).toMatchObject([{ period_key: '2027-03', status: 'sent' }]);

    // The next period after it goes out as usual, with what came since.
    await tick('2027-04-01T09:05:00Z');
    expect((await digestsOf(id!)).map((d) => [d.period_key, d.status])).toEqual([
      ['2027-03', 'sent'],
      ['2027-04', 'sent'],
    ]);
  });

  it('a dry run does not count the periods before one already sent either', async () => {
    const result = await tick('2027-02-01T09:05:00Z', { dryRun: true });
    expect(result.enqueued).toBe(0);
  });

  it('a later period waits while an earlier one is still being sent, and goes after it', async () => {
    const [id] = await seedSubscribers(t.deps, { count: 1, prefix: 'order-crash', countries: ['GEO'] });
    // The run is killed after recording May's batch and before sending it: the batch keeps its lease.
    await expect(
      tick('2027-05-01T09:05:00Z', {
        afterRecord: async () => {
          throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(await digestsOf(id!)).toMatchObject([{ period_key: '2027-05', status: 'batched' }]);

    // The next period is queued, but not sent while May's is unsent.
    await tick('2027-06-01T09:05:00Z');
    expect((await digestsOf(id!)).map((d) => [d.period_key, d.status])).toEqual([
      ['2027-05', 'batched'],
      ['2027-06', 'pending'],
    ]);

    // Once the lease of the killed run ends, May's goes first, then June's.
    t.clock.advance(BATCH_LEASE_MS + 1_000);
    await tick('2027-06-01T09:05:00Z');
    const after = await digestsOf(id!);
    expect(after.map((d) => [d.period_key, d.status])).toEqual([
      ['2027-05', 'sent'],
      ['2027-06', 'sent'],
    ]);
    expect(Number(after[0]!.batch_id)).toBeLessThan(Number(after[1]!.batch_id));
  });
});
