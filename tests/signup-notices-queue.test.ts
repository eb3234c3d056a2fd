import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCleanup } from '../src/alerts/cleanup/run-cleanup';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { type Mailer, PermanentEmailError, TransientEmailError } from '../src/email/transport';
import { defaultPreferences } from '../src/pages/signup';
import type { Deps } from '../src/services';
import { unsubscribe } from '../src/subscribers/manage';
import { drainNotices, NOTICE_LEASE_MS } from '../src/subscribers/notices';
import { requestSubscription } from '../src/subscribers/subscribe';
import { createTestApp, type TestApp } from '../testkit/app';
import { readOutbox } from '../testkit/mailbox';

let t: TestApp;
let n = 0;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
beforeEach(async () => {
  // Each test starts with an empty queue (what earlier tests left is not theirs).
  await t.deps.db.deleteFrom('signup_notices').execute();
});

/** As if the process died right after answering: the sign-up committed, the pump never ran. */
const crashedAfterAnswer = (): Deps => ({ ...t.deps, noticePump: { kick() {} } });

async function signUpWithoutSending(email = `queue-${++n}@example.org`) {
  await requestSubscription(crashedAfterAnswer(), {
    email,
    preferences: { ...defaultPreferences, countries: ['KAZ'] },
    source: 'api',
    client: `198.18.0.${n % 250}`,
  });
  return email;
}

const queued = async () =>
  (await sql<{ n: number }>`select count(*)::int as n from signup_notices where failed_at is null`.execute(t.deps.db)).rows[0]!.n;
const mailTo = async (email: string) => (await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === email);

/** The outbox, with a hook to fail or inspect each batch. */
function wrappedMailer(onBatch: (messages: Parameters<Mailer['sendBatch']>[0], key: string) => void): Mailer {
  return {
    ...t.deps.mailer,
    send: (m, o) => t.deps.mailer.send(m, o),
    sendBatch: async (messages, options) => {
      onBatch(messages, options.idempotencyKey);
      return t.deps.mailer.sendBatch(messages, options);
    },
  };
}

describe('sign-up notices are queued with the sign-up and sent after it', () => {
  it('a notice committed with the sign-up survives a crash after the answer and is sent by the safety net, once', async () => {
    const email = await signUpWithoutSending();
    expect(await queued()).toBe(1);
    expect(await mailTo(email)).toEqual([]);

    const result = await drainNotices(t.deps);
    expect(result).toMatchObject({ sent: 1, retried: 0, failed: 0 });
    const [mail] = await mailTo(email);
    expect(mail?.subject).toMatch(/confirm/i);
    expect(mail?.text).toContain('https://alerts.example.org/confirm?token=');
    expect(await queued()).toBe(0);
    expect((await drainNotices(t.deps)).sent).toBe(0);
    expect(await mailTo(email)).toHaveLength(1);
  });

  it('drains in batches through the mailer batch path, and two drains at once send each notice once', async () => {
    const emails = [];
    for (let i = 0; i < 7; i++) emails.push(await signUpWithoutSending());
    const batches: number[] = [];
    const deps = { ...t.deps, mailer: wrappedMailer((messages) => batches.push(messages.length)) };

    const results = await Promise.all([drainNotices(deps, { batchSize: 3 }), drainNotices(deps, { batchSize: 3 })]);
    expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(7);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(7);
    expect(Math.max(...batches)).toBeLessThanOrEqual(3);
    for (const email of emails) expect(await mailTo(email)).toHaveLength(1);
  });

  it('a worker killed after sending, before recording, leaves its notices leased; after the lease they go out again under the same key and the outbox writes them once', async () => {
    const email = await signUpWithoutSending();
    const keys: string[] = [];
    const recording = wrappedMailer((_messages, key) => keys.push(key));
    // Sends, then never comes back: the process died before deleting the row.
    const killed = {
      ...t.deps,
      mailer: {
        ...recording,
        sendBatch: async (...args: Parameters<Mailer['sendBatch']>) => {
          await recording.sendBatch(...args);
          return new Promise<never>(() => {});
        },
      },
    };
    void drainNotices(killed);
    await vi.waitFor(async () => expect(await mailTo(email)).toHaveLength(1), { timeout: 30_000, interval: 50 });

    expect((await drainNotices(t.deps)).sent).toBe(0); // still leased to the dead worker
    t.clock.advance(NOTICE_LEASE_MS + 1_000);
    expect((await drainNotices({ ...t.deps, mailer: recording })).sent).toBe(1);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]); // the retry carried the first attempt's key and content
    expect(await mailTo(email)).toHaveLength(1);
    expect(await queued()).toBe(0);
  });

  it('a transient failure is retried later; a message the provider refuses is given up alone, the rest sent', async () => {
    const first = await signUpWithoutSending();
    const second = await signUpWithoutSending();
    let fail: 'transient' | 'permanent' | undefined = 'transient';
    const flaky = {
      ...t.deps,
      mailer: wrappedMailer(() => {
        if (fail === 'transient') throw new TransientEmailError('rate_limit_exceeded', 'slow down', 429, 3, 90_000);
        if (fail === 'permanent') throw new PermanentEmailError('validation_error', 'refused', 422, 0);
      }),
    };
    expect(await drainNotices(flaky)).toMatchObject({ sent: 0, retried: 2 });
    expect((await drainNotices(flaky)).retried).toBe(0); // not due yet: retry-after was 90 s
    t.clock.advance(91_000);
    fail = 'permanent';
    expect(await drainNotices(flaky)).toMatchObject({ failed: 1 });
    fail = undefined;
    expect(await drainNotices(flaky)).toMatchObject({ sent: 1 });
    expect(await mailTo(first)).toHaveLength(0);
    expect(await mailTo(second)).toHaveLength(1);
    const failed = await t.deps.db
      .selectFrom('signup_notices')
      .select(['failed_at', 'last_error'])
      .where('failed_at', 'is not', null)
      .execute();
    expect(failed).toEqual([{ failed_at: expect.any(Date), last_error: 'PermanentEmailError: refused' }]);
  });

  it('someone who leaves before their notice went out is not sent it', async () => {
    const email = await signUpWithoutSending();
    await unsubscribe(t.deps, (await findSubscriberByEmail(t.deps.db, email))!.id);
    expect(await queued()).toBe(0);
    expect((await drainNotices(t.deps)).sent).toBe(0);
    expect(await mailTo(email)).toEqual([]);
  });

  it('the cleanup drops rate-limit counters whose window has ended', async () => {
    await signUpWithoutSending();
    const rows = async () =>
      Number(
        (
          await t.deps.db
            .selectFrom('rate_limits')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await rows()).toBeGreaterThan(0);
    t.clock.advance(t.deps.rateLimits.signupPerIp.durationMs + 1);
    expect(await runCleanup(t.deps)).toMatchObject({ ran: true, deleted: { rate_limits: expect.any(Number) } });
    expect(await rows()).toBe(0);
  });
});
