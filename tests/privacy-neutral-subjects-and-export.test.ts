import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriberByEmail } from '../src/db/subscribers';
import type { SubscriberPreferences } from '../src/routes/preferences/schema';
import type { SubscriberExport } from '../src/subscribers/export';
import { subscriberLinks } from '../src/subscribers/links';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { sampleEvent } from '../testkit/events';
import { readOutbox } from '../testkit/mailbox';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const path = (url: string) => url.replace('https://alerts.example.org', '');
const manageOf = async (email: string) => {
  const row = (await findSubscriberByEmail(t.deps.db, email))!;
  return { row, manage: path(subscriberLinks(t.deps, row).manage()) };
};
const putPreferences = (manage: string, body: object) => t.call('PUT', manage.replace('/preferences', '/v1/preferences'), body);

describe('neutral subject lines', () => {
  it('are a choice in the preference centre (JSON and page) and keep countries and topics out of the subject and preview', async () => {
    await seedSubscribers(t.deps, { count: 1, prefix: 'neutral', countries: ['KAZ'] });
    await seedSubscribers(t.deps, { count: 1, prefix: 'plain', countries: ['KAZ'] });
    const { manage } = await manageOf('neutral-0@example.org');
    const saved = await putPreferences(manage, { countries: ['KAZ'], neutralSubjects: true });
    expect(saved.status).toBe(200);
    expect(((await saved.json()) as SubscriberPreferences).preferences.neutralSubjects).toBe(true);
    const page = await (await t.app.request(manage)).text();
    expect(page).toMatch(/<input type="checkbox" name="neutralSubjects" checked=""/);

    const event = sampleEvent({ id: 'neutral-kaz', country: 'KAZ', categories: ['rights'], factors: [], title: 'Satirist arrested' });
    expect((await t.call('POST', '/v1/admin/events', { events: [event] }, { admin: true })).status).toBe(200);
    expect((await t.call('POST', '/v1/admin/digests/run', { now: '2025-02-01T09:00:00Z' }, { admin: true })).status).toBe(200);
    const mail = await readOutbox(t.deps.config.dataDir);
    const neutral = mail.find((m) => m.to === 'neutral-0@example.org')!;
    const plain = mail.find((m) => m.to === 'plain-0@example.org')!;
    expect(neutral.subject).toBe('Your monthly update');
    expect(plain.subject).toContain('January 2025');
    const preheaderOf = (html: string) => /<div style="display:none[^>]*>([^<]*)<\/div>/.exec(html)?.[1];
    expect(preheaderOf(neutral.html)).toBe('Open to read it.');
    expect(preheaderOf(plain.html)).toContain('Kazakhstan');
    // The reports are still inside.
    expect(neutral.text).toContain('Satirist arrested');
  });

  it('can be chosen at sign-up by form', async () => {
    const body = new URLSearchParams({ email: 'neutral-form@example.org', countries: 'KAZ', neutralSubjects: 'on' });
    const res = await t.app.request('/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: body.toString(),
    });
    expect(res.status).toBe(303);
    expect((await findSubscriberByEmail(t.deps.db, 'neutral-form@example.org'))?.neutral_subjects).toBe(true);
  });
});

describe('self-service data export', () => {
  it('downloads everything stored about the subscriber as JSON through a link signed for export', async () => {
    const { row, manage } = await manageOf('neutral-0@example.org');
    const prefs = (await (await t.app.request(manage.replace('/preferences', '/v1/preferences'))).json()) as SubscriberPreferences;
    const res = await t.app.request(path(prefs.exportUrl));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const data = (await res.json()) as SubscriberExport;
    expect(data).toMatchObject({
      email: 'neutral-0@example.org',
      status: 'confirmed',
      language: 'en',
      choices: { countries: ['KAZ'], neutralSubjects: true, frequency: 'monthly' },
      consent: { source: 'api', at: row.consent_at!.toISOString() },
      openpgp: { fingerprint: null, pendingFingerprint: null },
    });
    expect(data.digestsSent).toEqual([
      { period: expect.any(String), dueAt: '2025-02-01T09:00:00.000Z', sentAt: expect.any(String), reports: 1 },
    ]);
    expect(data.instantAlertsSent).toEqual([]);

    // The page links to it too.
    const page = await (await t.app.request(manage)).text();
    expect(page).toContain('/v1/preferences/export?token=');
  });

  it('refuses a manage or unsubscribe token, and an export link an hour old', async () => {
    const { row } = await manageOf('neutral-0@example.org');
    const links = subscriberLinks(t.deps, row);
    for (const other of [links.manage(), links.unsubscribe()]) {
      const token = new URL(other).searchParams.get('token')!;
      const res = await t.app.request(`/v1/preferences/export?token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.text()).not.toContain('neutral-0@example.org');
    }
    const exportUrl = path(links.exportData());
    t.clock.advance(60 * 60 * 1000);
    expect((await t.app.request(exportUrl)).status).toBe(401);
  });
});

describe('neutral subject lines on instant alerts', () => {
  it('name no country or report in the subject and preview', async () => {
    const { renderInstantEmail } = await import('../src/templates/instant-email');
    const model = {
      recipient: { email: 'neutral-0@example.org' },
      items: [
        {
          kind: 'raised' as const,
          country: 'Kazakhstan',
          month: 'January 2025',
          title: 'Satirist arrested',
          url: null,
          detectedAt: '2025-02-01T09:00:00.000Z',
        },
      ],
      links: { manage: 'https://alerts.example.org/m', unsubscribe: 'https://alerts.example.org/u', site: 'https://alerts.example.org/' },
    };
    const plain = renderInstantEmail(model);
    const neutral = renderInstantEmail({ ...model, neutralSubjects: true });
    expect(plain.subject).toContain('Kazakhstan');
    expect(neutral.subject).toBe('An update you asked for');
    expect(/<div style="display:none[^>]*>([^<]*)<\/div>/.exec(neutral.html)?.[1]).toBe('Open to read it.');
    expect(neutral.text).toContain('Satirist arrested');
  });
});
