import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../testkit/events';
import { type FakeResend, type FakeResendFault, startFakeResend } from '../testkit/fake-resend';
import { type Running, type ServerDatabase, serverDatabase, startServer } from '../testkit/process';

/**
 * Exactly once across a real crash: the server (`src/server.ts`, its own process) records an
 * instant alert batch, hands it to the (fake) provider, and is killed with SIGKILL while the
 * provider holds the request; a second process on the same database sends the recorded batch
 * again under the same key once its lease ends. Once with a request the provider never took
 * (no loss) and once with one it took before the answer was lost (no duplicate). On PostgreSQL
 * when TEST_DATABASE_URL is set, else on PGlite in a data folder.
 */

const ADMIN = 'instant-kill-admin-token-0123456789';
const running: Running[] = [];
const cleanups: (() => Promise<void>)[] = [];
let resend: FakeResend;
beforeAll(async () => {
  resend = await startFakeResend();
});
afterAll(async () => {
  for (const r of running) r.child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
  await resend.close();
});

/** Where the servers keep their data (a scratch PostgreSQL database, or a PGlite data folder), dropped after the file. */
async function databaseTarget() {
  const target = await serverDatabase('instant-kill', {
    ADMIN_TOKEN: ADMIN,
    APP_SECRET: 'instant-kill-app-secret-0123456789-0123456789',
    RESEND_API_KEY: 're_test_fake_key',
    RESEND_BASE_URL: resend.url,
    EMAIL_FROM: 'Democracy Tracker <alerts@example.org>',
    // A batch whose sender died is claimable again this soon.
    DIGEST_BATCH_LEASE: '5s',
  });
  cleanups.push(target.drop);
  return target;
}

const start = (env: Record<string, string>) => startServer(env, running);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const post = (base: string, path: string, body: unknown, admin = false) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(admin ? { authorization: `Bearer ${ADMIN}` } : {}) },
    body: JSON.stringify(body),
  });

const mailsTo = (prefix: string) => resend.deliveries().filter((d) => d.to.some((to) => to.startsWith(prefix)));
const instantRequests = () => resend.requests().filter((r) => r.idempotencyKey?.startsWith('instant-alerts-'));

/**
 * A reader of KAZ with instant alerts, signed up and confirmed through the server as a reader
 * would. One: on PostgreSQL four senders claim at once, and two readers' alerts could travel in
 * two batches, only one of which the provider holds.
 */
async function instantReaders(base: string, prefix: string): Promise<string[]> {
  const emails = [`${prefix}-a@example.org`];
  for (const email of emails)
    expect((await post(base, '/v1/subscriptions', { email, countries: ['KAZ'], instantAlerts: true })).status).toBe(202);
  for (const email of emails) {
    const confirmation = await until(`the confirmation to ${email}`, () => resend.deliveries().find((d) => d.to.includes(email)));
    const link = /\/confirm\?token=[\w.%-]+/.exec(confirmation.text)![0];
    expect((await fetch(`${base}${link}`)).status).toBe(200);
  }
  return emails;
}

/**
 * Runs the crash: a flag raised, the alert batch recorded and posted, the provider holding it
 * (`fault`), SIGKILL; then what the database says the dead process left behind.
 */
async function killMidSend(prefix: string, fault: FakeResendFault) {
  const target = await databaseTarget();
  const first = await start(target.env);
  const readers = await instantReaders(first.base, prefix);
  const requestsBefore = instantRequests().length;
  resend.failNext(1, fault);
  const flagged = sampleEvent({ id: `${prefix}-flag`, country: 'KAZ', watchFlag: true, title: 'Journalist detained' });
  expect((await post(first.base, '/v1/admin/events', { events: [flagged] }, true)).status).toBe(200);
  const held = await until('the batch to reach the provider', () => instantRequests()[requestsBefore]);
  first.server.child.kill('SIGKILL');
  await first.server.exited;

  const handle = await target.open();
  const left = await handle.db.selectFrom('instant_alerts').select(['status', 'batch_key', 'handed_at', 'sent_at']).execute();
  await handle.close();
  // Recorded before the send, under the key the provider was given, handed over (so it goes again whole), not marked sent.
  expect(left).toEqual(
    readers.map(() => ({ status: 'sending', batch_key: held.idempotencyKey, handed_at: expect.any(Date), sent_at: null })),
  );
  return { target, readers, held };
}

/** A second process on the same database: it finishes the dead one's batch once the lease ends (nudged by ingestions, as detection would). */
async function restartAndFinish(target: ServerDatabase, prefix: string, batchKey: string, expected: number) {
  const second = await start(target.env);
  let nudges = 0;
  // Finished when the provider has answered the batch's key (the dead process's request never was),
  // not when the mails are there: after a kill past the provider's acceptance they already are.
  await until('the recorded batch to be finished', async () => {
    const unflagged = sampleEvent({ id: `${prefix}-nudge-${++nudges}`, country: 'NOR' });
    await post(second.base, '/v1/admin/events', { events: [unflagged] }, true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return instantRequests().some((r) => r.idempotencyKey === batchKey && r.status === 200) ? true : undefined;
  });
  // Anything more would have arrived by now.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  second.server.child.kill('SIGTERM');
  expect(await second.server.exited).toBe(0);
  const handle = await target.open();
  const rows = await handle.db.selectFrom('instant_alerts').select(['status', 'attempts']).execute();
  await handle.close();
  expect(rows).toEqual(Array.from({ length: expected }, () => ({ status: 'sent', attempts: 2 })));
}

describe('instant alerts across a killed process', { timeout: 420_000 }, () => {
  it('killed while the provider had not taken the batch: the next process sends it, under the same key, and each reader gets it once', async () => {
    const { target, readers, held } = await killMidSend('killed-untaken', { type: 'hang' });
    expect(mailsTo('killed-untaken').filter((d) => d.subject.startsWith('Watch flag'))).toHaveLength(0);
    await restartAndFinish(target, 'killed-untaken', held.idempotencyKey!, readers.length);
    const alerts = mailsTo('killed-untaken').filter((d) => d.subject.startsWith('Watch flag'));
    expect(alerts.map((d) => d.to[0]).sort()).toEqual(readers);
    expect(new Set(alerts.map((d) => d.idempotencyKey))).toEqual(new Set([held.idempotencyKey]));
    expect(alerts[0]!.subject).toBe('Watch flag: Kazakhstan, Journalist detained');
  });

  it('killed after the provider took the batch but before its answer: the next process sends it again under its key, and nobody gets it twice', async () => {
    const { target, readers, held } = await killMidSend('killed-taken', { type: 'accept-then-hang' });
    expect(mailsTo('killed-taken').filter((d) => d.subject.startsWith('Watch flag'))).toHaveLength(readers.length);
    await restartAndFinish(target, 'killed-taken', held.idempotencyKey!, readers.length);
    const alerts = mailsTo('killed-taken').filter((d) => d.subject.startsWith('Watch flag'));
    expect(alerts.map((d) => d.to[0]).sort()).toEqual(readers);
    // The second process did post it again: the provider answered from the first, as a replay.
    const resent = instantRequests().filter((r) => r.idempotencyKey === held.idempotencyKey);
    expect(resent.length).toBeGreaterThanOrEqual(2);
    expect(resent.at(-1)!.replayed).toBe(true);
  });
});
