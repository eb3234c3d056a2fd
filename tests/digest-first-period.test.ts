import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigestTick } from '../src/alerts/digest/runner';
import { createTestApp, type TestApp } from '../testkit/app';
import { sampleEvent } from '../testkit/events';
import { linkIn, readOutbox } from '../testkit/mailbox';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const ingest = async (at: string, events: unknown[]) => {
  t.clock.set(at);
  expect((await t.call('POST', '/v1/admin/events', { events }, { admin: true })).status).toBe(200);
};
const mailsTo = async (email: string) => (await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === email);
const tick = (asOf: string) => runDigestTick(t.deps, { asOf: new Date(asOf), trigger: 'test' });

/** Signs up through the API at `at`, and answers the confirmation email and its link. */
async function signUp(at: string, email: string, body: object) {
  t.clock.set(at);
  expect((await t.call('POST', '/v1/subscriptions', { email, ...body })).status).toBe(202);
  await t.deps.background.idle();
  const [mail] = await mailsTo(email);
  return { mail: mail!, confirm: linkIn(mail!, '/confirm') };
}

describe("a new subscriber's first digest covers the whole period they confirmed in", () => {
  const november = sampleEvent({ id: 'fp-nov', country: 'GEO', title: 'Reported in November' });
  const december = Array.from({ length: 7 }, (_, i) =>
    sampleEvent({ id: `fp-dec-${i}`, country: i % 2 ? 'GEO' : 'KAZ', title: `December report ${i + 1}` }),
  );
  const january = sampleEvent({ id: 'fp-jan', country: 'KAZ', title: 'Reported in January' });

  it('seven reports detected minutes before the sign-up are in the 1 January digest, and the pages said when it comes', async () => {
    await ingest('2026-11-20T12:00:00Z', [november]);
    await ingest('2026-12-03T10:00:00Z', december);
    const { mail, confirm } = await signUp('2026-12-03T10:05:00Z', 'first-period@example.org', {
      countries: ['GEO', 'KAZ'],
      timezone: 'UTC',
    });
    expect(mail.text).toContain(
      'If you confirm now, your first monthly digest arrives on 1 January 2027, with the reports of 1-31 December 2026 that match your selection.',
    );
    expect(mail.html).toContain('your first monthly digest arrives on 1 January 2027');

    t.clock.set('2026-12-03T10:20:00Z');
    const page = await (await t.app.request(confirm)).text();
    expect(page).toContain(
      'Your first monthly digest arrives on 1 January 2027, with the reports of 1–31 December 2026 that match your choices.',
    );

    await tick('2027-01-01T09:05:00Z');
    const [digest] = await mailsTo('first-period@example.org').then((m) => m.filter((x) => x.subject.includes('digest')));
    expect(digest!.subject).toBe('Democracy Tracker monthly digest: December 2026 (7 reports)');
    for (const event of december) expect(digest!.text).toContain(event.title);
    // November's reports belong to November's digest, sent before this reader joined.
    expect(digest!.text).not.toContain('Reported in November');
    expect(digest!.text).not.toContain('No new or updated reports');
  });

  it('keeps exactly-once: the next digest holds only what came after the first', async () => {
    await ingest('2027-01-10T10:00:00Z', [january, { ...december[0], body: 'Edited in January.' }]);
    await tick('2027-02-01T09:05:00Z');
    const digests = (await mailsTo('first-period@example.org')).filter((m) => m.subject.includes('January 2027'));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.subject).toBe('Democracy Tracker monthly digest: January 2027 (2 reports)');
    expect(digests[0]!.text).toContain('Reported in January');
    expect(digests[0]!.text).toContain('[UPDATED] December report 1');
    for (const event of december.slice(1)) expect(digests[0]!.text).not.toContain(event.title);
  });

  it('a weekly reader confirming on a Thursday gets that whole week on Monday, in their time zone', async () => {
    const weekly = sampleEvent({ id: 'fp-week', country: 'ARM', title: 'Tuesday report' });
    await ingest('2027-02-09T12:00:00Z', [weekly]);
    const { mail, confirm } = await signUp('2027-02-11T12:00:00Z', 'first-week@example.org', {
      countries: ['ARM'],
      frequency: 'weekly',
      timezone: 'Asia/Yerevan',
    });
    expect(mail.text).toContain('your first weekly digest arrives on 15 February 2027, with the reports of 8-14 February 2027');
    expect(await (await t.app.request(confirm)).text()).toContain('Your first weekly digest arrives on 15 February 2027');
    // 09:00 in Yerevan (UTC+4) on Monday 15 February.
    await tick('2027-02-15T05:05:00Z');
    const [digest] = (await mailsTo('first-week@example.org')).filter((m) => m.subject.includes('digest'));
    expect(digest!.subject).toBe('Democracy Tracker weekly digest: Week of 8 February 2027 (1 report)');
    expect(digest!.text).toContain('Tuesday report');
  });
});
