import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runDigestTick } from '../src/alerts/digest/runner';
import type { EventInput } from '../src/alerts/event';
import { fanOutWatchFlags } from '../src/alerts/instant/fanout';
import { sendInstantAlerts } from '../src/alerts/instant/runner';
import { createTestApp, type TestApp } from '../testkit/app';
import { fastResendMailer, seedSubscribers } from '../testkit/digests';
import { ingestInputs, sampleEvent } from '../testkit/events';
import { type FakeResend, startFakeResend } from '../testkit/fake-resend';

let resend: FakeResend;
beforeAll(async () => {
  resend = await startFakeResend();
});
afterAll(() => resend.close());

const HOUR = 3_600_000;

/** A fresh app sending through the real SDK to the fake Resend, with instant subscribers for KAZ and NOR and digest-only ones. */
async function scenario(prefix: string, env: Record<string, string> = {}) {
  const t = await createTestApp({
    RESEND_API_KEY: 're_test_fake_key',
    RESEND_BASE_URL: resend.url,
    EMAIL_FROM: 'Democracy Tracker <alerts@example.org>',
    ...env,
  });
  t.deps.mailer = fastResendMailer(t.deps, resend.url);
  const kaz = await seedSubscribers(t.deps, { count: 3, prefix: `${prefix}-kaz`, countries: ['KAZ'] });
  const nor = await seedSubscribers(t.deps, { count: 2, prefix: `${prefix}-nor`, countries: ['NOR'] });
  await seedSubscribers(t.deps, { count: 2, prefix: `${prefix}-digest`, countries: ['KAZ'] });
  await t.deps.db
    .updateTable('subscribers')
    .set({ instant_alerts: true })
    .where('id', 'in', [...kaz, ...nor])
    .execute();
  return t;
}

/** Detection as the service runs it: ingest, then the kick every ingestion gives the change-log consumers. */
async function detect(t: TestApp, events: EventInput[]) {
  await ingestInputs(t.deps, events);
  t.deps.webhookPump.kick();
  await t.deps.instantPump.idle();
}

/** A seeded reader's stored row and their signed links. */
async function reader(t: TestApp, email: string) {
  const row = await t.deps.db.selectFrom('subscribers').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  return {
    row,
    token: (purpose: 'manage' | 'unsubscribe') =>
      encodeURIComponent(t.deps.tokens.sign(purpose, { publicId: row.public_id, version: row.token_version })),
  };
}

/** A reader turns instant alerts off in the preference centre (JSON). */
async function turnOff(t: TestApp, email: string) {
  const off = await t.call('PUT', `/v1/preferences?token=${(await reader(t, email)).token('manage')}`, {
    countries: ['KAZ'],
    instantAlerts: false,
  });
  expect(off.status).toBe(200);
}

/** A reader leaves with the one-click unsubscribe of the email's header. */
async function unsubscribe(t: TestApp, email: string) {
  const left = await t.app.request(`/unsubscribe?token=${(await reader(t, email)).token('unsubscribe')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(left.status).toBe(200);
}

const alertRows = (t: TestApp) =>
  t.deps.db
    .selectFrom('instant_alerts as a')
    .innerJoin('subscribers as s', 's.id', 'a.subscriber_id')
    .select(['s.email', 'a.status', 'a.batch_key', 'a.handed_at', 'a.last_error'])
    .orderBy('s.email')
    .execute();

const requestsUnder = (key: string) => resend.requests().filter((r) => r.idempotencyKey === key);

/** A run that dies: the mailer never answers (after handing the batch to the provider when `reaches`), as a killed process never does. */
/**
 * Starts a send run that dies in the provider call: after the provider took the batch
 * (`reaches`), or before the request got there. Answers the real mailer, for the next run.
 */
function startRunThatDies(t: TestApp, reaches: boolean): TestApp['deps']['mailer'] {
  const real = t.deps.mailer;
  t.deps.mailer = {
    ...real,
    sendBatch: async (messages, options) => {
      if (reaches) await real.sendBatch(messages, options);
      return new Promise(() => undefined);
    },
  };
  void sendInstantAlerts(t.deps);
  return real;
}

const LEASE_ENDED = 11 * 60_000; // DIGEST_BATCH_LEASE is 10 minutes

const inbox = (prefix: string) => resend.deliveries().filter((d) => d.to.some((to) => to.startsWith(`${prefix}-`)));
const countsOf = (prefix: string) => {
  const counts = new Map<string, number>();
  for (const d of inbox(prefix)) for (const to of d.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
};

describe('instant watch-flag alerts', { timeout: 180_000 }, () => {
  it('a new flagged report reaches at once the instant subscribers of its country, and no one else', async () => {
    const t = await scenario('new');
    await detect(t, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Humorist detained', url: 'https://www.idea.int/r/kaz-1' })]);
    const mails = inbox('new');
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['new-kaz-0@example.org', 'new-kaz-1@example.org', 'new-kaz-2@example.org']);
    const mail = mails[0]!;
    expect(mail.subject).toBe('Watch flag: Kazakhstan, Humorist detained');
    expect(mail.html).toContain('New report with a watch flag');
    expect(mail.html).toContain('https://www.idea.int/r/kaz-1');
    expect(mail.html).toContain('Turn off instant alerts');
    expect(mail.text).toContain('NEW REPORT WITH A WATCH FLAG: Humorist detained');
    expect(mail.text).toContain('A watch flag means');
    expect(mail.text).toMatch(/Turn off instant alerts \(your preference centre\):\nhttps:\/\/alerts\.example\.org\/preferences\?token=/);
    expect(mail.headers['List-Unsubscribe']).toMatch(/^<https:\/\/alerts\.example\.org\/unsubscribe\?token=.+>$/);
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(mail.idempotencyKey).toMatch(/^instant-alerts-/);
    await t.close();
  });

  it('a flag raised on a published report counts; an unflagged report and a flag lifted do not', async () => {
    const t = await scenario('raised');
    const report = sampleEvent({ country: 'NOR', title: 'Broadcaster fined' });
    await detect(t, [report]);
    expect(inbox('raised')).toHaveLength(0);
    await detect(t, [{ ...report, watchFlag: true }]);
    expect(inbox('raised').map((m) => m.subject)).toEqual([
      'Watch flag: Norway, Broadcaster fined',
      'Watch flag: Norway, Broadcaster fined',
    ]);
    expect(inbox('raised')[0]!.text).toContain('WATCH FLAG RAISED: Broadcaster fined');
    t.clock.advance(7 * HOUR);
    await detect(t, [{ ...report, watchFlag: false }]);
    t.deps.instantPump.kick();
    await t.deps.instantPump.idle();
    expect(inbox('raised')).toHaveLength(2);
    await t.close();
  });

  it('sends at most one alert per interval: flags raised meanwhile come together in the next one, when it ends', async () => {
    const t = await scenario('cap');
    await detect(t, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'First flag' })]);
    expect(countsOf('cap-kaz').size).toBe(3);
    t.clock.advance(HOUR);
    await detect(t, [
      sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Second flag' }),
      sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Third flag' }),
    ]);
    expect(inbox('cap-kaz')).toHaveLength(3);
    // The minute job before the interval ends sends nothing; the first one after it sends the batch.
    t.clock.advance(4 * HOUR);
    t.deps.instantPump.kick();
    await t.deps.instantPump.idle();
    expect(inbox('cap-kaz')).toHaveLength(3);
    t.clock.advance(HOUR + 60_000);
    t.deps.instantPump.kick();
    await t.deps.instantPump.idle();
    const mails = inbox('cap-kaz');
    expect(mails).toHaveLength(6);
    const second = mails.filter((m) => m.to[0] === 'cap-kaz-0@example.org')[1]!;
    expect(second.subject).toBe('Watch flags on 2 reports in Kazakhstan');
    expect(second.text).toContain('Second flag');
    expect(second.text).toContain('Third flag');

    const sent = await t.deps.db
      .selectFrom('instant_alerts')
      .select(['subscriber_id', 'sent_at'])
      .where('status', '=', 'sent')
      .orderBy('sent_at')
      .execute();
    const bySubscriber = Map.groupBy(sent, (row) => row.subscriber_id);
    for (const rows of bySubscriber.values()) {
      expect(rows).toHaveLength(2);
      expect(rows[1]!.sent_at!.getTime() - rows[0]!.sent_at!.getTime()).toBeGreaterThanOrEqual(6 * HOUR);
    }
    await t.close();
  });

  it('a batch the provider accepted before the run died is sent again under its key and delivered once', async () => {
    const t = await scenario('accepted');
    await ingestInputs(t.deps, [sampleEvent({ country: 'NOR', watchFlag: true })]);
    await fanOutWatchFlags(t.deps);
    const real = t.deps.mailer;
    t.deps.mailer = {
      ...real,
      sendBatch: async (messages, options) => {
        await real.sendBatch(messages, options);
        throw new Error('killed after the provider accepted the batch');
      },
    };
    expect(await sendInstantAlerts(t.deps)).toMatchObject({ sent: 0, deferred: 2 });
    t.deps.mailer = real;
    t.clock.advance(HOUR);
    expect(await sendInstantAlerts(t.deps)).toMatchObject({ sent: 2 });
    const keys = resend
      .requests()
      .filter((r) => r.idempotencyKey?.startsWith('instant-alerts-') && r.body && JSON.stringify(r.body).includes('accepted-nor'));
    expect(keys.map((r) => r.replayed ?? false)).toEqual([false, true]);
    expect([...countsOf('accepted').values()]).toEqual([1, 1]);
    await t.close();
  });

  it('two runs at once send each alert once', async () => {
    const t = await scenario('twice');
    await ingestInputs(t.deps, [sampleEvent({ country: 'KAZ', watchFlag: true }), sampleEvent({ country: 'NOR', watchFlag: true })]);
    await Promise.all([fanOutWatchFlags(t.deps), fanOutWatchFlags(t.deps)]);
    const runs = await Promise.all([sendInstantAlerts(t.deps, { batchSize: 2 }), sendInstantAlerts(t.deps, { batchSize: 2 })]);
    expect(runs[0].sent + runs[1].sent).toBe(5);
    expect([...countsOf('twice').values()]).toEqual([1, 1, 1, 1, 1]);
    await t.close();
  });

  it('the next digest still shows the alerted reports, marked with the day of the alert', async () => {
    const t = await scenario('marked');
    await detect(t, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Flag in the digest' })]);
    expect(inbox('marked-kaz')).toHaveLength(3);
    await runDigestTick(t.deps, { asOf: new Date('2025-03-02T00:00:00Z'), trigger: 'test' });
    const digestOf = (to: string) => inbox('marked').find((m) => m.to[0] === to && !m.idempotencyKey?.startsWith('instant-'))!;
    const alerted = digestOf('marked-kaz-0@example.org');
    expect(alerted.text).toContain('Flag in the digest');
    expect(alerted.text).toContain('Alerted on 1 February 2025');
    expect(alerted.html).toContain('Alerted on 1 February 2025');
    const digestOnly = digestOf('marked-digest-0@example.org');
    expect(digestOnly.text).toContain('Flag in the digest');
    expect(digestOnly.text).not.toContain('Alerted on');
    await t.close();
  });

  it('a pending alert is never sent once its reader turns instant alerts off (JSON, page) or unsubscribes, not even after turning them on again', async () => {
    const t = await scenario('off');
    await detect(t, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Before the change' })]);
    expect(countsOf('off-kaz').size).toBe(3);
    t.clock.advance(HOUR);
    await detect(t, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Held back' })]);
    const pending = () => t.deps.db.selectFrom('instant_alerts').select('subscriber_id').where('status', '=', 'pending').execute();
    expect(await pending()).toHaveLength(3);

    await turnOff(t, 'off-kaz-0@example.org');
    const form = await reader(t, 'off-kaz-1@example.org');
    const saved = await t.app.request(`/preferences?token=${form.token('manage')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: new URLSearchParams([['countries', 'KAZ']]).toString(),
    });
    expect(saved.status).toBe(303);
    await unsubscribe(t, 'off-kaz-2@example.org');
    expect(await pending()).toHaveLength(0);

    // Back on: the flags gathered before are not news any more; the next flag is.
    const on = await t.call('PUT', `/v1/preferences?token=${(await reader(t, 'off-kaz-0@example.org')).token('manage')}`, {
      countries: ['KAZ'],
      instantAlerts: true,
    });
    expect(on.status).toBe(200);
    t.clock.advance(6 * HOUR);
    t.deps.instantPump.kick();
    await t.deps.instantPump.idle();
    expect(inbox('off-kaz')).toHaveLength(3);
    await detect(t, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'After the change' })]);
    const mails = inbox('off-kaz');
    expect(mails.map((m) => m.to[0])).toEqual([...mails.slice(0, 3).map((m) => m.to[0]), 'off-kaz-0@example.org']);
    expect(mails[3]!.text).toContain('After the change');
    expect(mails[3]!.text).not.toContain('Held back');
    await t.close();
  });

  it('a reader who turns instant alerts off after their alert was recorded, before it was handed over, is left out of the batch', async () => {
    const t = await scenario('late');
    await ingestInputs(t.deps, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Late change' })]);
    await fanOutWatchFlags(t.deps);
    const result = await sendInstantAlerts(t.deps, {
      afterRecord: async () => {
        await t.deps.db.updateTable('subscribers').set({ instant_alerts: false }).where('email', '=', 'late-kaz-0@example.org').execute();
      },
    });
    expect(result).toMatchObject({ sent: 2, batches: 1 });
    expect([...countsOf('late').keys()].sort()).toEqual(['late-kaz-1@example.org', 'late-kaz-2@example.org']);
    const refused = await t.deps.db.selectFrom('instant_alerts').select(['status', 'last_error']).where('status', '=', 'failed').execute();
    expect(refused).toEqual([{ status: 'failed', last_error: 'instant alerts turned off before the send' }]);
    expect(await sendInstantAlerts(t.deps)).toMatchObject({ sent: 0, batches: 0 });
    await t.close();
  });

  it('a batch recorded by a run that died before handing it over leaves out, when sent again, the readers who turned instant alerts off or left meanwhile', async () => {
    const t = await scenario('unhanded');
    await ingestInputs(t.deps, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Recorded, never handed over' })]);
    await fanOutWatchFlags(t.deps);
    const died = sendInstantAlerts(t.deps, { afterRecord: () => Promise.reject(new Error('killed after the record')) });
    await expect(died).rejects.toThrow('killed after the record');
    const [recorded] = await alertRows(t);
    expect(recorded).toMatchObject({ status: 'sending', handed_at: null });
    await turnOff(t, 'unhanded-kaz-0@example.org');
    await unsubscribe(t, 'unhanded-kaz-1@example.org');

    t.clock.advance(LEASE_ENDED);
    expect(await sendInstantAlerts(t.deps)).toMatchObject({ sent: 1, batches: 1 });
    expect([...countsOf('unhanded')]).toEqual([['unhanded-kaz-2@example.org', 1]]);
    // The provider never saw the key before, so the smaller batch goes under it.
    expect(requestsUnder(recorded!.batch_key!).map((r) => r.status)).toEqual([200]);
    // The reader who left is deleted, their alerts with them; the one who turned alerts off keeps the reason.
    expect(await alertRows(t)).toEqual([
      {
        email: 'unhanded-kaz-0@example.org',
        status: 'failed',
        batch_key: recorded!.batch_key,
        handed_at: null,
        last_error: 'instant alerts turned off before the send',
      },
      {
        email: 'unhanded-kaz-2@example.org',
        status: 'sent',
        batch_key: recorded!.batch_key,
        handed_at: expect.any(Date),
        last_error: null,
      },
    ]);
    await t.close();
  });

  it('a batch the provider took before the run died goes again whole, the same request under its key, though a reader turned alerts off meanwhile: nobody gets it twice', async () => {
    const t = await scenario('taken');
    await ingestInputs(t.deps, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Taken, answer lost' })]);
    await fanOutWatchFlags(t.deps);
    const real = startRunThatDies(t, true);
    const key = await vi.waitFor(() => {
      const taken = resend.requests().find((r) => r.status === 200 && JSON.stringify(r.body).includes('taken-kaz'));
      expect(taken).toBeDefined();
      return taken!.idempotencyKey!;
    });
    expect(countsOf('taken').size).toBe(3);
    await turnOff(t, 'taken-kaz-0@example.org');

    t.deps.mailer = real;
    t.clock.advance(LEASE_ENDED);
    expect(await sendInstantAlerts(t.deps)).toMatchObject({ sent: 3, batches: 1 });
    const [first, again] = requestsUnder(key);
    expect(again).toMatchObject({ status: 200, replayed: true });
    expect(again!.body).toEqual(first!.body);
    expect([...countsOf('taken').values()]).toEqual([1, 1, 1]);
    expect((await alertRows(t)).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    await t.close();
  });

  it('a batch handed over whose request never reached the provider also goes again whole: once handed over, the service cannot tell, so a reader who turned alerts off in between still gets it, once', async () => {
    const t = await scenario('lost');
    await ingestInputs(t.deps, [sampleEvent({ country: 'KAZ', watchFlag: true, title: 'Handed over, never arrived' })]);
    await fanOutWatchFlags(t.deps);
    const real = startRunThatDies(t, false);
    const handed = await vi.waitFor(async () => {
      const rows = await alertRows(t);
      expect(rows.every((r) => r.handed_at !== null)).toBe(true);
      return rows;
    });
    await turnOff(t, 'lost-kaz-0@example.org');

    t.deps.mailer = real;
    t.clock.advance(LEASE_ENDED);
    expect(await sendInstantAlerts(t.deps)).toMatchObject({ sent: 3, batches: 1 });
    expect(requestsUnder(handed[0]!.batch_key!).map((r) => r.status)).toEqual([200]);
    expect([...countsOf('lost').values()]).toEqual([1, 1, 1]);
    await t.close();
  });

  it('is chosen at sign-up and in the preference centre (JSON and form)', async () => {
    const t = await scenario('choose');
    const signUp = await t.call('POST', '/v1/subscriptions', { email: 'chooser@example.org', countries: ['KAZ'], instantAlerts: true });
    expect(signUp.status).toBe(202);
    const row = await t.deps.db.selectFrom('subscribers').selectAll().where('email', '=', 'chooser@example.org').executeTakeFirstOrThrow();
    expect(row.instant_alerts).toBe(true);
    const token = t.deps.tokens.sign('manage', { publicId: row.public_id, version: row.token_version });
    const read = await t.call('GET', `/v1/preferences?token=${encodeURIComponent(token)}`);
    expect((await read.json()).preferences.instantAlerts).toBe(true);
    const page = await (await t.app.request(`/preferences?token=${encodeURIComponent(token)}`)).text();
    expect(page).toMatch(/<input type="checkbox" name="instantAlerts" checked/);
    expect(page).toContain('Also email me when a watch flag is raised in my');
    await t.close();
  });
});
