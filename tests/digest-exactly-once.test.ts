import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_LEASE_MS, runDigestTick } from '../src/alerts/digest/runner';
import { createTestApp } from '../testkit/app';
import { fastResendMailer, publishEvents, seedSubscribers } from '../testkit/digests';
import { ingestInputs } from '../testkit/events';
import { type FakeResendRequest, startFakeResend } from '../testkit/fake-resend';

let resend: Awaited<ReturnType<typeof startFakeResend>>;
beforeAll(async () => {
  resend = await startFakeResend();
});
afterAll(() => resend.close());

/** A fresh app and database per scenario, sending through the real SDK to the fake Resend. */
async function scenario(subscribers: number, prefix: string) {
  const t = await createTestApp({
    RESEND_API_KEY: 're_test_fake_key',
    RESEND_BASE_URL: resend.url,
    EMAIL_FROM: 'Tracker Alerts <alerts@example.org>',
  });
  t.deps.mailer = fastResendMailer(t.deps, resend.url);
  const events = await publishEvents(t.deps, ['KAZ', 'NOR', 'BRA']);
  await seedSubscribers(t.deps, { count: subscribers, prefix });
  return Object.assign(t, { events });
}

const asOf = new Date('2025-02-01T09:00:00Z');

function inboxCounts(prefix: string) {
  const counts = new Map<string, number>();
  for (const d of resend.deliveries()) for (const to of d.to) if (to.startsWith(`${prefix}-`)) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

describe('digests are sent exactly once per subscriber and period', { timeout: 120_000 }, () => {
  it('one tick sends one digest to each; running it again sends nothing', async () => {
    const t = await scenario(250, 'once');
    const first = await runDigestTick(t.deps, { asOf, trigger: 'test' });
    const errors = await t.deps.db.selectFrom('digests').select('error').where('error', 'is not', null).limit(1).execute();
    expect(errors).toEqual([]);
    expect(first).toMatchObject({ enqueued: 250, sent: 250, batches: 3, failed: 0, deferred: 0 });
    const again = await runDigestTick(t.deps, { asOf, trigger: 'test' });
    expect(again).toMatchObject({ enqueued: 0, sent: 0, batches: 0 });
    const counts = inboxCounts('once');
    expect(counts.size).toBe(250);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    await t.close();
  });

  it('a run killed between recording a batch and sending it is finished by the next run, once', async () => {
    const t = await scenario(150, 'crash');
    await expect(
      runDigestTick(t.deps, {
        asOf,
        trigger: 'test',
        afterRecord: async () => {
          throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(inboxCounts('crash').size).toBe(0);
    // Before the lease ends nobody touches the batch; after it, the recorded batch is sent as it was.
    t.clock.advance(BATCH_LEASE_MS + 1000);
    const recovered = await runDigestTick(t.deps, { asOf, trigger: 'test' });
    expect(recovered.sent).toBe(150);
    const counts = inboxCounts('crash');
    expect(counts.size).toBe(150);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    await t.close();
  });

  it('a response lost after Resend accepted the batch does not send it twice', async () => {
    const t = await scenario(100, 'lost');
    t.deps.mailer = fastResendMailer(t.deps, resend.url, 1000);
    resend.failNext(1, { type: 'accept-then-hang' });
    const first = await runDigestTick(t.deps, { asOf, trigger: 'test' });
    // The same key and payload were retried: Resend answered the first result, delivered nothing new.
    expect(first.sent + first.deferred).toBe(100);
    t.clock.advance(BATCH_LEASE_MS * 10);
    await runDigestTick(t.deps, { asOf, trigger: 'test' });
    const counts = inboxCounts('lost');
    expect(counts.size).toBe(100);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    await t.close();
  });

  it('a batch Resend accepted before the run died is sent again from its record, byte for byte, though the events changed since', async () => {
    const t = await scenario(120, 'replay');
    const earlierRequests = resend.requests().length;
    const real = t.deps.mailer;
    let posts = 0;
    // The first post lands at Resend, then the run "dies" before it can mark the batch sent.
    t.deps.mailer = {
      ...real,
      sendBatch: async (messages, options) => {
        const accepted = await real.sendBatch(messages, options);
        if (++posts === 1) throw new Error('killed after the provider accepted the batch');
        return accepted;
      },
    };
    const first = await runDigestTick(t.deps, { asOf, trigger: 'test' });
    expect(first).toMatchObject({ sent: 20, deferred: 100 });
    // Every event is edited before the retry: composing again now would give other emails.
    await ingestInputs(
      t.deps,
      t.events.map((e) => ({ ...e, title: `${e.title} (edited)` })),
    );
    t.deps.mailer = real;
    t.clock.advance(BATCH_LEASE_MS + 60_000);
    const retry = await runDigestTick(t.deps, { asOf, trigger: 'test' });
    expect(retry.sent).toBe(100);

    const byKey = new Map<string | undefined, FakeResendRequest[]>();
    for (const r of resend.requests().slice(earlierRequests))
      if (r.path === '/emails/batch') byKey.set(r.idempotencyKey, [...(byKey.get(r.idempotencyKey) ?? []), r]);
    const resent = [...byKey.values()].filter((requests) => requests.length > 1);
    expect(resent).toHaveLength(1);
    // The fake hashes the body bytes: an identical request is answered as a replay, any other is a 409.
    expect(resent[0]!.map((r) => [r.status, !!r.replayed])).toEqual([
      [200, false],
      [200, true],
    ]);
    const counts = inboxCounts('replay');
    expect(counts.size).toBe(120);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(
      resend
        .deliveries()
        .filter((d) => d.to[0]!.startsWith('replay-'))
        .every((d) => !d.subject.includes('edited') && !d.html.includes('(edited)')),
    ).toBe(true);
    await t.close();
  });

  it('429s and 500s at random: everything is delivered once, with retries', async () => {
    const t = await scenario(300, 'flaky');
    resend.failRandomly({
      rate: 0.4,
      seed: 7,
      faults: [{ type: 'rate-limit', retryAfterSeconds: 0 }, { type: 'server-error' }, { type: 'server-error', status: 503 }],
    });
    for (let round = 0; round < 10; round++) {
      await runDigestTick(t.deps, { asOf, trigger: 'test' });
      t.clock.advance(3_600_000);
    }
    resend.failRandomly({ rate: 0, seed: 1, faults: [] });
    const counts = inboxCounts('flaky');
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(resend.requests().filter((r) => r.fault).length).toBeGreaterThan(0);
    await t.close();
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('several digest runners at once (PostgreSQL)', { timeout: 120_000 }, () => {
  it('two runners over 1,000 subscribers: each subscriber gets exactly one digest', async () => {
    const a = await scenario(1000, 'pair');
    const other = a.database.openAnother();
    const b = await createTestApp({ EMAIL_FROM: 'Tracker Alerts <alerts@example.org>' }, { ...a.database, ...other });
    b.deps.mailer = fastResendMailer(b.deps, resend.url);
    try {
      const [ra, rb] = await Promise.all([runDigestTick(a.deps, { asOf, trigger: 'a' }), runDigestTick(b.deps, { asOf, trigger: 'b' })]);
      expect(ra.sent + rb.sent).toBe(1000);
      expect(ra.sent).toBeGreaterThan(0);
      expect(rb.sent).toBeGreaterThan(0);
      const counts = inboxCounts('pair');
      expect(counts.size).toBe(1000);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await other.close();
      await a.close();
    }
  });
});
