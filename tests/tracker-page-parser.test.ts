import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventInputSchema } from '../src/alerts/event';
import { SourceFormatError } from '../src/alerts/sources/errors';
import { parseTrackerPage, trackerEventId } from '../src/alerts/sources/tracker-page';

const pageText = readFileSync(new URL('../src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt', import.meta.url), 'utf8');
const pageHtml = readFileSync(new URL('./fixtures/tracker-kazakhstan-2025-01.html', import.meta.url), 'utf8');

const expectedReports = [
  {
    id: 'kaz-2025-01-satirists-arrest-signals-crackdown-on-speech',
    month: '2025-01',
    title: 'Satirist’s arrest signals crackdown on speech',
    watchFlag: false,
    updates: [],
    sources: ['Eurasianet', 'Factcheck.kz', 'Havli'],
  },
  {
    id: 'kaz-2025-01-constitutional-courts-ruling-yields-a-small-win-for-freedom-of-association',
    month: '2025-01',
    title: 'Constitutional court’s ruling yields a small win for freedom of association',
    watchFlag: false,
    updates: [],
    sources: ['Radio Azattyq', 'Kursiv'],
  },
  {
    id: 'kaz-2024-06-new-media-law-worries-journalists-advocates',
    month: '2024-06',
    title: 'New media law worries journalists, advocates',
    watchFlag: false,
    updates: [
      {
        text: 'the law went into force in August 2024 and two violations carry a penalty of a loss of accreditation for six months.',
      },
    ],
    sources: ['Human Rights Watch', 'Radio Free Europe/Radio Liberty', 'Voice of America'],
  },
  {
    id: 'kaz-2024-04-domestic-violence-criminalized',
    month: '2024-04',
    title: 'Domestic violence criminalized',
    watchFlag: false,
    updates: [],
    sources: ['Eurasianet', 'Human Rights Watch (1)', 'Human Rights Watch (2)'],
  },
  {
    id: 'kaz-2024-01-draft-bill-targets-foreign-correspondents',
    month: '2024-01',
    title: 'Draft bill targets foreign correspondents',
    watchFlag: true,
    updates: [],
    sources: ['Radio Free Europe/Radio Liberty', 'International Press Institute'],
  },
];

const boilerplate = [
  'Skip to main content',
  'Menu',
  'Flag',
  'https://www.idea.int/democracytracker/',
  'Watch flag',
  'Update:',
  'Sources:',
  'See all event reports',
  'Chevron',
  'Global ranking',
  'Basic Information',
  'Tooltip',
  'Human Rights Treaties',
  'Create your monthly alerts',
  'Sign up',
  'Jan 2025',
];

describe('the Kazakhstan country page as text', () => {
  const page = parseTrackerPage(pageText);

  it('yields exactly its five event reports, for KAZ, in page order', () => {
    expect(page.country).toBe('KAZ');
    expect(page.skipped).toEqual([]);
    expect(
      page.events.map((e) => ({
        id: e.id,
        month: e.month,
        title: e.title,
        watchFlag: e.watchFlag,
        updates: e.updates,
        sources: e.sources?.map((s) => s.name),
      })),
    ).toEqual(expectedReports);
    expect(page.events.every((e) => e.country === 'KAZ')).toBe(true);
  });

  it('gives sources as names only, since the text has no links', () => {
    expect(page.events.flatMap((e) => e.sources ?? []).every((s) => s.url === undefined)).toBe(true);
  });

  it('stores no categories, since the page gives none', () => {
    expect(page.events.every((e) => e.categories?.length === 0 && e.factors?.length === 0)).toBe(true);
  });

  it('produces events that pass the contract schema', () => {
    for (const event of page.events) expect(eventInputSchema.safeParse(event).success).toBe(true);
  });

  it('keeps the body paragraphs and leaves the page boilerplate out', () => {
    const [satirist, , mediaLaw, , draftBill] = page.events;
    expect(satirist?.body).toMatch(/^Police raided the Almaty home/);
    expect(satirist?.body).toMatch(/two months of pre-trial detention\.$/);
    expect(mediaLaw?.body).toMatch(/urge the government to amend or repeal it\.$/);
    expect(mediaLaw?.body).not.toContain('went into force');
    expect(draftBill?.body).toMatch(/^Draft legislation introduced on 25 January/);
    for (const event of page.events) {
      for (const text of boilerplate) expect(event.body, `${event.id} holds "${text}"`).not.toContain(text);
    }
  });

  it('gives the same ids when the page is parsed again', () => {
    expect(parseTrackerPage(pageText).events.map((e) => e.id)).toEqual(expectedReports.map((r) => r.id));
  });

  it('keeps an id when a report body is edited or an update is added', () => {
    const edited = pageText
      .replace('Yensebek is currently serving two months', 'Yensebek is now serving three months')
      .replace(
        'Sources: Radio Free Europe/Radio Liberty, International Press Institute',
        'Update: parliament passed the bill in March 2024.\n\nSources: Radio Free Europe/Radio Liberty, International Press Institute',
      );
    const events = parseTrackerPage(edited).events;
    expect(events.map((e) => e.id)).toEqual(expectedReports.map((r) => r.id));
    expect(events[0]?.body).toContain('now serving three months');
    expect(events[4]?.updates).toEqual([{ text: 'parliament passed the bill in March 2024.' }]);
  });

  it('sets each event url to the page url when it is an http(s) page', () => {
    const url = 'https://www.idea.int/democracytracker/country/kazakhstan';
    expect(parseTrackerPage(pageText, { url }).events.every((e) => e.url === url)).toBe(true);
    expect(parseTrackerPage(pageText, { url: 'file:///srv/kazakhstan.txt' }).events[0]?.url).toBeUndefined();
  });
});

describe('the Kazakhstan country page as HTML', () => {
  const fromText = parseTrackerPage(pageText);
  const fromHtml = parseTrackerPage(pageHtml);

  it('yields the same events as the text, with the source links as urls', () => {
    expect(fromHtml.country).toBe('KAZ');
    expect(fromHtml.skipped).toEqual([]);
    // The HTML page declares <html lang="en">; its text has no such thing.
    expect(fromHtml.events.map((e) => e.language)).toEqual(fromHtml.events.map(() => 'en'));
    expect(fromText.events.every((e) => e.language === undefined)).toBe(true);
    const withoutUrls = fromHtml.events.map(({ language: _en, ...e }) => ({ ...e, sources: e.sources?.map(({ name }) => ({ name })) }));
    expect(withoutUrls).toEqual(fromText.events);
    expect(fromHtml.events[0]?.sources).toEqual([
      { name: 'Eurasianet', url: 'https://eurasianet.org/kazakhstan-satirist-arrested' },
      { name: 'Factcheck.kz', url: 'https://factcheck.kz/glavnoe/temirlan-yensebek/' },
      { name: 'Havli', url: 'https://havli.kz/news/yensebek' },
    ]);
    expect(fromHtml.events.flatMap((e) => e.sources ?? []).every((s) => s.url?.startsWith('https://'))).toBe(true);
  });

  it('resolves relative source links against the page url and keeps unlinked names', () => {
    const html = `<main><h1>Kazakhstan</h1><h2>March 2025</h2><h3>A report</h3><p>Body.</p>
      <p>Sources: <a href="/news/1">Kursiv</a>, Havli, <a href="mailto:x@example.org">Mail</a></p></main>`;
    const [event] = parseTrackerPage(html, { url: 'https://example.org/country/kazakhstan' }).events;
    expect(event?.sources).toEqual([{ name: 'Kursiv', url: 'https://example.org/news/1' }, { name: 'Havli' }, { name: 'Mail' }]);
  });

  it('takes the country from the h1 even when navigation names other countries first', () => {
    const html = `<div><ul><li>Georgia</li><li>Senegal</li></ul><h1>Côte d’Ivoire</h1>
      <h2>May 2025</h2><h3>Title</h3><p>Body.</p><p>Sources: Wire</p></div>`;
    const page = parseTrackerPage(html);
    expect(page.country).toBe('CIV');
    expect(page.events.map((e) => e.id)).toEqual(['civ-2025-05-title']);
  });
});

describe('ids', () => {
  it('are derived from country, month and title, slugified', () => {
    expect(trackerEventId('KAZ', '2025-01', 'Satirist’s arrest signals crackdown on speech')).toBe(
      'kaz-2025-01-satirists-arrest-signals-crackdown-on-speech',
    );
    expect(trackerEventId('CIV', '2025-05', 'Élection présidentielle : résultats')).toBe('civ-2025-05-election-presidentielle-resultats');
  });

  it('are cut to at most 200 characters with a hash that keeps long titles apart', () => {
    const long = 'A very long title about the long story of a long law '.repeat(8);
    const a = trackerEventId('KAZ', '2025-01', `${long} one`);
    const b = trackerEventId('KAZ', '2025-01', `${long} two`);
    expect(a.length).toBeLessThanOrEqual(200);
    expect(a).not.toBe(b);
    expect(a).toBe(trackerEventId('KAZ', '2025-01', `${long} one`));
    expect(a).toMatch(/^kaz-2025-01-a-very-long-title-.*-[0-9a-f]{8}$/);
  });

  it('stay unique when two reports of one month share a title', () => {
    const text = `Kazakhstan\n\nMay 2025\n\nSame title\n\nFirst.\n\nSources: A\n\nSame title\n\nSecond.\n\nSources: B\n`;
    expect(parseTrackerPage(text).events.map((e) => e.id)).toEqual(['kaz-2025-05-same-title', 'kaz-2025-05-same-title-2']);
  });
});

describe('pages that are not tracker country pages', () => {
  it('throw a SourceFormatError (layout not recognised) when no country heading is found', () => {
    expect(() => parseTrackerPage('Hello\n\nThis is a blog post about gardening.')).toThrow(SourceFormatError);
    expect(() => parseTrackerPage('<html><body><h1>Recipes</h1><p>in</p></body></html>')).toThrow(/layout not recognised/);
    expect(() => parseTrackerPage('')).toThrow(SourceFormatError);
  });

  it('give no events and no error for a country page without reports', () => {
    expect(parseTrackerPage('Europe\nNorthern Europe\nNorway\n\nBasic Information\nPopulation\n5 500 000')).toEqual({
      country: 'NOR',
      kind: 'country',
      events: [],
      skipped: [],
      context: { rankings: {}, facts: { Population: '5 500 000' }, treaties: {}, performance: {} },
    });
  });

  it('report an event that fails the schema as skipped instead of throwing', () => {
    const text = `Kazakhstan\n\nMay 2025\n\n${'Too long '.repeat(80)}\n\nBody.\n\nSources: A\n\nFine title\n\nBody.\n\nSources: B\n`;
    const page = parseTrackerPage(text);
    expect(page.events.map((e) => e.title)).toEqual(['Fine title']);
    expect(page.skipped).toHaveLength(1);
    expect(page.skipped[0]?.reason).toMatch(/\(2025-05\): title: /);
  });
});
