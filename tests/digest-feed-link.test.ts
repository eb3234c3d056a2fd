import { extractFromXml } from '@extractus/feed-extractor';
import { DomUtils, parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigestTick } from '../src/alerts/digest/runner';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { sampleEvent } from '../testkit/events';
import { readOutbox } from '../testkit/mailbox';

let t: TestApp;
const ingest = (events: unknown[]) => t.call('POST', '/v1/admin/events', { events }, { admin: true });
const mailTo = async (email: string) => (await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === email);

const kazRights = sampleEvent({ id: 'feed-link-kaz', country: 'KAZ', title: 'Journalist detained', categories: ['rights'] });
const geoRights = sampleEvent({ id: 'feed-link-geo', country: 'GEO', title: 'Protest dispersed', categories: ['rights'] });
const kazLaw = sampleEvent({
  id: 'feed-link-law',
  country: 'KAZ',
  title: 'Court reform adopted',
  categories: ['rule_of_law'],
  factors: [],
});

beforeAll(async () => {
  t = await createTestApp();
  await seedSubscribers(t.deps, { count: 1, prefix: 'feed-kaz-rights', countries: ['KAZ'], categories: ['rights'] });
  await seedSubscribers(t.deps, { count: 1, prefix: 'feed-everything' });
  expect((await ingest([kazRights, geoRights, kazLaw])).status).toBe(200);
  await runDigestTick(t.deps, { asOf: new Date('2025-02-01T09:05:00Z'), trigger: 'test' });
});
afterAll(() => t.close());

/** The href of the HTML part's link named `label`. */
function htmlLink(html: string, label: string): string | undefined {
  const anchors = DomUtils.findAll((el) => el.name === 'a', parseDocument(html).children);
  return anchors.find((a) => DomUtils.textContent(a).trim() === label)?.attribs.href;
}

describe("every digest links the Atom feed of the reader's selection", () => {
  it('in the HTML and the text part, with the selection as the feed filter', async () => {
    const [mail] = await mailTo('feed-kaz-rights-0@example.org');
    const expected = 'https://alerts.example.org/feeds/changes.atom?country=KAZ&category=rights';
    expect(htmlLink(mail!.html, 'Atom feed of your selection')).toBe(expected);
    expect(mail!.text).toContain(`Atom feed of your selection: ${expected}\n`);
  });

  it('the linked feed parses (a maintained parser) and carries the same reports as the digest', async () => {
    const [mail] = await mailTo('feed-kaz-rights-0@example.org');
    const href = new URL(htmlLink(mail!.html, 'Atom feed of your selection')!);
    const res = await t.call('GET', href.pathname + href.search);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/atom+xml');
    const feed = extractFromXml(await res.text());
    const titles = feed.entries!.map((e) => e.title);
    expect(titles).toHaveLength(1);
    expect(titles[0]).toContain('Journalist detained');
    expect(mail!.text).toContain('Journalist detained');
    expect(mail!.text).not.toContain('Protest dispersed');
    expect(mail!.text).not.toContain('Court reform adopted');
  });

  it('a reader who follows everything gets the unfiltered feed', async () => {
    const [mail] = await mailTo('feed-everything-0@example.org');
    expect(htmlLink(mail!.html, 'Atom feed of your selection')).toBe('https://alerts.example.org/feeds/changes.atom');
    expect(mail!.text).toContain('Atom feed of your selection: https://alerts.example.org/feeds/changes.atom\n');
  });

  it('the web view of the digest shows the feed link too', async () => {
    const [mail] = await mailTo('feed-kaz-rights-0@example.org');
    const view = new URL(/https:\/\/\S+\/digests\/view\?token=\S+/.exec(mail!.text)![0]);
    const page = await t.call('GET', view.pathname + view.search);
    expect(page.status).toBe(200);
    expect(htmlLink(await page.text(), 'Atom feed of your selection')).toBe(
      'https://alerts.example.org/feeds/changes.atom?country=KAZ&category=rights',
    );
  });
});
