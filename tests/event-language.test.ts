import { createHash } from 'node:crypto';
import { extractFromJson, extractFromXml } from '@extractus/feed-extractor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../src/alerts/event';
import { parseJsonFeed } from '../src/alerts/sources/feed';
import { parseTrackerPage } from '../src/alerts/sources/tracker-page';
import type { AdminEventChange, ChangePage } from '../src/routes/admin/changes/schema';
import type { Event } from '../src/routes/events/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { normalised, sampleEvent } from '../testkit/events';
import { readOutbox } from '../testkit/mailbox';
import { subscriberWithDigest } from '../testkit/subscriber-pages';

/** Issue 17: "A feed may give an event's language, and it is shown when it differs from the reader's." */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const ingest = (events: unknown[]) => t.call('POST', '/v1/admin/events', { events }, { admin: true });
const stored = async (id: string) => (await (await t.call('GET', `/v1/events/${id}`)).json()) as Event;
async function changesOf(eventId: string) {
  const page = (await (await t.call('GET', '/v1/admin/changes?after=0&limit=1000', undefined, { admin: true })).json()) as ChangePage;
  return page.data.filter((c): c is AdminEventChange => 'eventId' in c && c.eventId === eventId);
}

describe("an event's language", () => {
  it('is taken from the admin API as a BCP 47 tag and stored as its primary subtag; an event without one has none', async () => {
    const spanish = sampleEvent({ language: 'es-MX' } as never);
    const plain = sampleEvent();
    const res = await ingest([spanish, plain]);
    expect(res.status).toBe(200);
    expect((await stored(spanish.id)).language).toBe('es');
    expect((await stored(plain.id)).language).toBeNull();
    const listed = (await (await t.call('GET', '/v1/events?country=KAZ&limit=100')).json()) as { data: Event[] };
    expect(listed.data.find((e) => e.id === spanish.id)?.language).toBe('es');
  });

  it('refuses a tag that is not BCP 47 or names no known language with a 422 naming the field, storing nothing of the batch', async () => {
    for (const bad of ['english', 'xx', 'es_MX', 'und', 42, '']) {
      const good = sampleEvent();
      const res = await ingest([good, sampleEvent({ language: bad } as never)]);
      expect(res.status, String(bad)).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as { errors: { path: string }[] };
      expect(body.errors.map((e) => e.path)).toEqual(['events[1].language']);
      expect((await t.call('GET', `/v1/events/${good.id}`)).status).toBe(404);
    }
  });

  it('is stored without a change when a source starts giving it or corrects it, and comes with the next real update as a previous value', async () => {
    const event = sampleEvent();
    await ingest([event]);
    t.clock.advance(60_000);
    const added = (await (await ingest([{ ...event, language: 'kk' }])).json()) as { updated: number; changes: number };
    expect(added).toMatchObject({ updated: 1, changes: 0 });
    expect((await stored(event.id)).language).toBe('kk');
    const again = (await (await ingest([{ ...event, language: 'kk' }])).json()) as { unchanged: number };
    expect(again.unchanged).toBe(1);
    await ingest([{ ...event, language: 'ru', title: 'A new title' }]);
    const changes = await changesOf(event.id);
    expect(changes.map((c) => [c.type, c.previous])).toEqual([
      ['event.published', null],
      ['event.updated', { title: event.title, language: 'kk' }],
    ]);
  });

  it('leaves the content hash of an event without a language as it was before languages existed, so stored events are not all updated', () => {
    const event = normalised(sampleEvent({ id: 'hash-stays' }));
    const { language: _none, ...before } = event;
    const oldNames = ['country', 'month', 'title', 'body', 'categories', 'factors', 'watchFlag', 'updates', 'sources', 'url'] as const;
    const oldHash = createHash('sha256')
      .update(canonicalJson(oldNames.map((name) => before[name])))
      .digest('base64url');
    expect(contentHash(event)).toBe(oldHash);
    expect(contentHash({ ...event, language: 'es' })).not.toBe(oldHash);
  });

  it('is carried by the JSON feed source; an event with a bad one is skipped naming the field', () => {
    const feed = parseJsonFeed(
      JSON.stringify([
        sampleEvent({ id: 'feed-es', language: 'ES' } as never),
        sampleEvent({ id: 'feed-bad', language: 'klingon' } as never),
      ]),
    );
    expect(feed.events.map((e) => [e.id, e.language])).toEqual([['feed-es', 'es']]);
    expect(feed.skipped).toEqual([{ index: 1, reason: expect.stringMatching(/^language: /) }]);
  });

  it('is taken by the tracker page adapter from the language the page declares (<html lang>), and left out when it names none', () => {
    const page = (lang: string) =>
      `<!doctype html><html ${lang}><body><main><h1>Kazakhstan</h1><h2>March 2025</h2><h3>Informe</h3><p>Texto.</p><p>Sources: Wire</p></main></body></html>`;
    expect(parseTrackerPage(page('lang="es-ES"')).events.map((e) => e.language)).toEqual(['es']);
    expect(parseTrackerPage(page('lang="klingon"')).events.map((e) => e.language)).toEqual([undefined]);
    expect(parseTrackerPage(page('')).events.map((e) => e.language)).toEqual([undefined]);
  });

  it('is shown in the digest (HTML and text) and its web view only to readers of another language, in their words, with the report texts marked', async () => {
    // subscriberWithDigest's report is given in Spanish.
    const readers = {
      en: await subscriberWithDigest(t, 'lang-en', 'en'),
      es: await subscriberWithDigest(t, 'lang-es', 'es'),
      fr: await subscriberWithDigest(t, 'lang-fr', 'fr'),
    };
    const outbox = await readOutbox(t.deps.config.dataDir);
    const digestTo = (email: string) => outbox.find((m) => m.to === email)!;
    const en = digestTo(readers.en.email);
    expect(en.text).toMatch(/ · In Spanish$/m);
    expect(en.html).toContain('&#183; In Spanish</p>');
    expect(en.html).toMatch(/<h3><span lang="es"><a [^>]+><bdi>Satirist arrested<\/bdi><\/a><\/span><\/h3>/);
    expect(digestTo(readers.fr.email).text).toMatch(/ · En espagnol$/m);
    const es = digestTo(readers.es.email);
    expect(es.text).toContain('Satirist arrested');
    expect(`${es.text}${es.html}`).not.toContain('En español');
    expect(es.html).not.toContain('<span lang="es">');

    const page = async (path: string) => (await t.app.request(path)).text();
    const enPage = await page(readers.en.view);
    expect(enPage).toContain(' · In Spanish');
    expect(enPage).toMatch(/<bdi lang="es"><a [^>]+>Satirist arrested<\/a><\/bdi>/);
    const esPage = await page(readers.es.view);
    expect(esPage).not.toContain('<bdi lang="es">');
    expect(esPage).not.toContain('En español');
  });

  it('is carried by Atom entries (xml:lang) and JSON Feed items (language) of English feeds, whose summary says a report is in another language', async () => {
    const spanish = sampleEvent({ country: 'URY', title: 'Informe sobre la libertad de prensa', language: 'es' });
    const english = sampleEvent({ country: 'URY', title: 'Report on press freedom', language: 'en' });
    const unknown = sampleEvent({ country: 'URY', title: 'Report with no language' });
    expect((await ingest([spanish, english, unknown])).status).toBe(200);

    const atomText = await (await t.call('GET', '/feeds/changes.atom?country=URY')).text();
    expect(atomText).toMatch(/<feed [^>]*xml:lang="en"/);
    // The parser's raw entries (normalization off) keep the XML attributes as it read them.
    const raw = extractFromXml(atomText, { normalization: false }) as { entry: Record<string, string> | Record<string, string>[] };
    const entries = [raw.entry].flat().map((e) => ({ title: String(e.title), lang: e['@_xml:lang'] }));
    const byTitle = (title: string) => entries.find((e) => e.title.endsWith(title))!;
    expect(byTitle(spanish.title).lang).toBe('es');
    expect(byTitle(english.title).lang).toBe('en');
    expect(byTitle(unknown.title).lang).toBeUndefined();

    const json = (await (await t.call('GET', '/feeds/changes.json?country=URY')).json()) as Record<string, unknown>;
    expect(json.language).toBe('en');
    const items = extractFromJson(json, { normalization: false }) as {
      items: { title: string; language?: string; content_text: string }[];
    };
    const item = (title: string) => items.items.find((i) => i.title.endsWith(title))!;
    expect(item(spanish.title).language).toBe('es');
    expect(item(spanish.title).content_text).toMatch(/^Watch flag: off\.\n\nIn Spanish\.\n\n/);
    expect(item(english.title).content_text).not.toContain('In English');
    expect(item(unknown.title).language).toBeUndefined();
  });
});
