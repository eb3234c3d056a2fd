import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigestRunPage, DigestTickResponse } from '../src/routes/admin/digests/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { sampleEvent } from '../testkit/events';
import { readOutbox } from '../testkit/mailbox';

let t: TestApp;
const feb = '2025-02-01T09:00:00Z';
const mar = '2025-03-01T09:00:00Z';

const ingest = (events: unknown[]) => t.call('POST', '/v1/admin/events', { events }, { admin: true });
const runDigests = async (body: object) =>
  (await (await t.call('POST', '/v1/admin/digests/run', body, { admin: true })).json()) as DigestTickResponse;
const mailTo = async (email: string) => (await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === email);

const kazA = sampleEvent({
  id: 'dg-kaz-a',
  country: 'KAZ',
  categories: ['rights'],
  factors: [],
  title: 'Satirist arrested',
  body: 'First text.',
});
const kazB = sampleEvent({
  id: 'dg-kaz-b',
  country: 'KAZ',
  categories: ['representation'],
  factors: [],
  title: 'Election law changed',
  watchFlag: false,
});
const nor = sampleEvent({ id: 'dg-nor', country: 'NOR', categories: ['rights'], factors: [], title: 'Norwegian report' });

beforeAll(async () => {
  t = await createTestApp();
  // Subscribers confirmed before the events happen: their cursor starts at 0.
  await seedSubscribers(t.deps, { count: 1, prefix: 'kaz-rights', countries: ['KAZ'], categories: ['rights'] });
  await seedSubscribers(t.deps, { count: 1, prefix: 'asia', countries: [], categories: [], timezone: 'Asia/Almaty' });
  await seedSubscribers(t.deps, { count: 1, prefix: 'quiet', countries: ['BRA'], skipEmpty: true });
  await seedSubscribers(t.deps, { count: 1, prefix: 'loud', countries: ['BRA'], skipEmpty: false });
  await t.deps.db
    .updateTable('subscribers')
    .set({ regions: ['Asia'] })
    .where('email', '=', 'asia-0@example.org')
    .execute();
  expect((await ingest([kazA, kazB, nor])).status).toBe(200);
  expect((await ingest([{ ...kazA, body: 'Second text.' }])).status).toBe(200);
  expect(
    (
      await ingest([
        { ...kazA, body: 'Third text.' },
        { ...kazB, watchFlag: true },
      ])
    ).status,
  ).toBe(200);
});
afterAll(() => t.close());

describe('digest operator controls and content', () => {
  it('a dry run counts what would happen and writes nothing', async () => {
    const result = await runDigests({ now: feb, dryRun: true });
    expect(result).toMatchObject({ dryRun: true, enqueued: 4, sent: 3, skipped: 1 });
    expect(await t.deps.db.selectFrom('digests').select('id').execute()).toEqual([]);
    expect(await readOutbox(t.deps.config.dataDir)).toEqual([]);
  });

  it('a run sends each due subscriber the changes matching their choices, collapsed per event', async () => {
    const result = await runDigests({ now: feb });
    expect(result).toMatchObject({ dryRun: false, enqueued: 4, sent: 3, skipped: 1, failed: 0 });

    const [kazRights] = await mailTo('kaz-rights-0@example.org');
    expect(kazRights!.subject).toContain('January 2025');
    expect(kazRights!.text).toContain('Satirist arrested');
    expect(kazRights!.text).toContain('Third text.'); // published then edited twice: shown once, latest text
    expect(kazRights!.text).not.toContain('Second text.');
    expect(kazRights!.text.match(/Satirist arrested/g)?.length).toBe(1);
    expect(kazRights!.text).not.toContain('Election law changed'); // representation: not chosen
    expect(kazRights!.text).not.toContain('Norwegian report');
    expect(kazRights!.headers['list-unsubscribe']).toMatch(/^<https:\/\/alerts\.example\.org\/unsubscribe\?token=/);
    expect(kazRights!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(kazRights!.text).toContain('https://alerts.example.org/preferences?token=');

    const [asia] = await mailTo('asia-0@example.org');
    expect(asia!.text).toContain('Election law changed');
    expect(asia!.text).not.toContain('Norwegian report');

    expect(await mailTo('quiet-0@example.org')).toEqual([]);
    const [loud] = await mailTo('loud-0@example.org');
    expect(loud).toBeDefined();
    const quietRow = await t.deps.db
      .selectFrom('digests as d')
      .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
      .select(['d.status'])
      .where('s.email', '=', 'quiet-0@example.org')
      .executeTakeFirstOrThrow();
    expect(quietRow.status).toBe('skipped');
  });

  it('the next period holds only what changed after the last digest', async () => {
    await ingest([{ ...kazA, body: 'Fourth text.', updates: [{ text: 'Update: the charges were dropped.' }] }]);
    t.clock.set(mar);
    const result = await runDigests({ now: mar });
    expect(result.sent).toBeGreaterThan(0);
    const mails = await mailTo('kaz-rights-0@example.org');
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).toContain('February 2025');
    expect(mails[1]!.text).toContain('Update: the charges were dropped.');
    expect(mails[1]!.text).not.toContain('Election law changed');
  });

  it('lists runs at GET /v1/admin/digests and previews a digest as HTML', async () => {
    const page = (await (await t.call('GET', '/v1/admin/digests', undefined, { admin: true })).json()) as DigestRunPage;
    expect(page.data.map((r) => r.asOf)).toEqual(['2025-03-01T09:00:00.000Z', '2025-02-01T09:00:00.000Z']);
    expect(page.data[1]!.counts).toMatchObject({ sent: 3, skipped: 1 });

    await ingest([{ ...nor, body: 'New Norwegian text.' }]);
    const preview = await t.call('GET', '/v1/admin/digests/preview?email=asia-0@example.org', undefined, { admin: true });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toMatch(/text\/html/);
    const unknown = await t.call('GET', '/v1/admin/digests/preview?email=nobody@example.org', undefined, { admin: true });
    expect(unknown.status).toBe(404);
  });

  it('every digest links to a web version of itself', async () => {
    const [first] = await mailTo('kaz-rights-0@example.org');
    const link = /https:\/\/alerts\.example\.org(\/digests\/view\?token=[A-Za-z0-9._~%-]+)/.exec(first!.text)?.[1];
    expect(link).toBeDefined();
    const res = await t.app.request(link!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).toContain('Satirist arrested');
    expect((await t.app.request('/digests/view?token=forged.token')).status).toBe(400);
  });
});

describe('a digest for someone who follows everything', () => {
  it('keeps the newest reports and counts the rest as "more on the site"', async () => {
    const { composeDigest, MAX_ITEMS_PER_DIGEST } = await import('../src/alerts/digest/compose');
    const { latestDuePeriod } = await import('../src/alerts/digest/period');
    const { indexChangeWindow } = await import('../src/alerts/digest/window');
    const changes = Array.from({ length: 100 }, (_, i) => ({
      id: i + 1,
      type: 'event.published' as const,
      eventId: `e${i}`,
      previous: null,
      detectedAt: '2025-01-10T00:00:00Z',
    }));
    const events = new Map(
      changes.map((c, i) => [
        c.eventId,
        {
          id: c.eventId,
          country: 'KAZ',
          month: `2024-${String((i % 12) + 1).padStart(2, '0')}`,
          title: `Report ${i}`,
          body: 'Text.',
          categories: [],
          factors: [],
          watchFlag: false,
          updates: [],
          sources: [],
          url: null,
          language: null,
          firstSeenAt: '',
          lastChangedAt: '',
        },
      ]),
    );
    const links = { manage: 'https://x.org/m', unsubscribe: 'https://x.org/u', viewInBrowser: 'https://x.org/v', site: 'https://x.org/' };
    const recipient = {
      email: 'a@example.org',
      digestCursor: 0,
      timezone: 'UTC',
      countries: [],
      regions: [],
      categories: [],
      choices: { countries: [], regions: [], categories: [], frequency: 'monthly' as const },
    };
    const composed = composeDigest({
      recipient,
      period: latestDuePeriod('monthly', 'UTC', new Date('2025-02-01T09:00:00Z')),
      window: indexChangeWindow(100, changes, events),
      links,
    })!;
    expect(composed.itemCount).toBe(100);
    expect(composed.model.countries.flatMap((c) => c.items)).toHaveLength(MAX_ITEMS_PER_DIGEST);
    expect(composed.model.moreCount).toBe(100 - MAX_ITEMS_PER_DIGEST);
    expect(composed.model.countries[0]!.items[0]!.month).toBe('2024-12');
  });
});
