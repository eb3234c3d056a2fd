import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigestTick } from '../src/alerts/digest/runner';
import { sendInstantAlerts } from '../src/alerts/instant/runner';
import { defaultPreferences } from '../src/pages/signup';
import { drainNotices } from '../src/subscribers/notices';
import { requestSubscription } from '../src/subscribers/subscribe';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { ingestInputs, sampleEvent } from '../testkit/events';

/**
 * An SMTP relay sends a batch one message after another, so when it refuses one for good the
 * messages before it have gone. They are recorded as sent and never sent again; the refused
 * one fails alone; those after it go in another batch. Proved for each queue that sends mail
 * in batches, through a local relay (smtp-server) that refuses every address starting with
 * "refused" with a 550.
 */
const received: string[] = [];
/** Every recipient the relay was asked to take, in order, refused ones too. */
const asked: string[] = [];
/** Set: the relay also refuses the recipient asked at this place of `asked` (for a batch whose order the test cannot choose). */
let refuseAt: number | undefined;
let relay: SMTPServer;
let t: TestApp;

beforeAll(async () => {
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    onRcptTo(address, _session, callback) {
      asked.push(address.address);
      if (address.address.startsWith('refused') || asked.length - 1 === refuseAt)
        return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${(relay.server.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => relay.close(() => resolve()));
});

const timesReceived = (address: string) => received.filter((to) => to === address).length;

/** The relay was asked for `first` before `refused`: the refusal came after a message had gone, the case under test. */
function expectRefusedAfter(first: string, refused: string) {
  expect(asked.indexOf(first)).toBeGreaterThanOrEqual(0);
  expect(asked.indexOf(first)).toBeLessThan(asked.indexOf(refused));
}

describe('a message the SMTP relay refuses mid-batch fails alone, and nothing before it is sent twice', () => {
  it('digests: the one before the refusal is sent once and its cursor moves; the one after goes in a new batch', async () => {
    const [before] = await seedSubscribers(t.deps, { count: 1, prefix: 'digest-before', countries: ['KAZ'] });
    const [refused] = await seedSubscribers(t.deps, { count: 1, prefix: 'refused-digest', countries: ['KAZ'] });
    const [after] = await seedSubscribers(t.deps, { count: 1, prefix: 'digest-after', countries: ['KAZ'] });
    await ingestInputs(t.deps, [sampleEvent({ country: 'KAZ', month: '2025-01' })]);

    const asOf = new Date('2025-02-01T09:05:00Z');
    const first = await runDigestTick(t.deps, { asOf, trigger: 'api', dryRun: false });
    const second = await runDigestTick(t.deps, { asOf, trigger: 'api', dryRun: false });

    expectRefusedAfter('digest-before-0@example.org', 'refused-digest-0@example.org');
    expect(timesReceived('digest-before-0@example.org')).toBe(1);
    expect(timesReceived('digest-after-0@example.org')).toBe(1);
    expect(timesReceived('refused-digest-0@example.org')).toBe(0);
    expect(first.failed + second.failed).toBe(1);
    const rows = await t.deps.db
      .selectFrom('digests')
      .innerJoin('subscribers', 'subscribers.id', 'digests.subscriber_id')
      .select(['digests.subscriber_id', 'digests.status', 'subscribers.digest_cursor'])
      .where('digests.subscriber_id', 'in', [before!, refused!, after!])
      .orderBy('digests.subscriber_id')
      .execute();
    expect(rows.map((r) => r.status)).toEqual(['sent', 'failed', 'sent']);
    expect(Number(rows[0]!.digest_cursor)).toBeGreaterThan(0);
    expect(Number(rows[0]!.digest_cursor)).toBe(Number(rows[2]!.digest_cursor));
  });

  it('instant alerts: the one before the refusal is sent once; the one after goes under a new key', async () => {
    // A batch's order is the fan-out's, not the readers': the relay refuses the second one it is asked for.
    const ids = await seedSubscribers(t.deps, { count: 3, prefix: 'instant', countries: ['NOR'] });
    await t.deps.db.updateTable('subscribers').set({ instant_alerts: true }).where('id', 'in', ids).execute();
    refuseAt = asked.length + 1;
    await ingestInputs(t.deps, [sampleEvent({ country: 'NOR', month: '2025-01', watchFlag: true })]);
    t.deps.webhookPump.kick();
    await t.deps.instantPump.idle();
    await sendInstantAlerts(t.deps);
    const [first, refused, third] = asked.slice(refuseAt - 1, refuseAt + 2);
    refuseAt = undefined;

    expect(refused).toMatch(/^instant-\d@example\.org$/);
    expect(timesReceived(first!)).toBe(1);
    expect(timesReceived(third!)).toBe(1);
    expect(timesReceived(refused!)).toBe(0);
    const statuses = await t.deps.db
      .selectFrom('instant_alerts')
      .innerJoin('subscribers', 'subscribers.id', 'instant_alerts.subscriber_id')
      .select(['subscribers.email', 'instant_alerts.status'])
      .where('instant_alerts.subscriber_id', 'in', ids)
      .execute();
    expect(Object.fromEntries(statuses.map((s) => [s.email, s.status]))).toEqual({
      [first!]: 'sent',
      [refused!]: 'failed',
      [third!]: 'sent',
    });
  });

  it('sign-up notices: the one before the refusal is sent once; the one after is sent again', async () => {
    const withoutSending = { ...t.deps, noticePump: { kick() {} } };
    const emails = ['notice-before@example.org', 'refused-notice@example.org', 'notice-after@example.org'];
    for (const [i, email] of emails.entries()) {
      await requestSubscription(withoutSending, {
        email,
        preferences: { ...defaultPreferences, countries: ['KAZ'] },
        source: 'api',
        client: `198.18.1.${i}`,
      });
    }
    const first = await drainNotices(t.deps);
    const second = await drainNotices(t.deps);

    expectRefusedAfter('notice-before@example.org', 'refused-notice@example.org');
    expect(timesReceived('notice-before@example.org')).toBe(1);
    expect(timesReceived('notice-after@example.org')).toBe(1);
    expect(first.failed + second.failed).toBe(1);
    expect(first.sent + second.sent).toBe(2);
  });
});
