import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoSourceUrls, parseSourceDocument, SourceFormatError } from '../src/alerts/sources';

const pageText = readFileSync(new URL('../src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt', import.meta.url), 'utf8');
const pageHtml = readFileSync(new URL('./fixtures/tracker-kazakhstan-2025-01.html', import.meta.url), 'utf8');
const feedUrl = 'https://feeds.example.org/events.json';
const pageUrl = 'https://www.idea.int/democracytracker/country/kazakhstan';

describe('choosing the adapter for a fetched document', () => {
  it('reads JSON as a feed by content type or by its first character', () => {
    const feed = JSON.stringify([{ id: 'one', country: 'KAZ', month: '2025-01', title: 'One' }]);
    for (const contentType of ['application/json; charset=utf-8', 'application/feed+json', undefined, 'text/plain']) {
      const document = parseSourceDocument(`\n ${feed}`, contentType, feedUrl);
      expect(document.format).toBe('json-feed');
      expect(document.events.map((e) => e.id)).toEqual(['one']);
    }
  });

  it('reads HTML and plain text as a tracker country page', () => {
    const fromHtml = parseSourceDocument(pageHtml, 'text/html; charset=utf-8', pageUrl);
    const fromText = parseSourceDocument(pageText, 'text/plain', pageUrl);
    expect(fromHtml.format).toBe('tracker-page');
    expect(fromText.format).toBe('tracker-page');
    expect(fromHtml.events.map((e) => e.id)).toEqual(fromText.events.map((e) => e.id));
    expect(fromText.events).toHaveLength(5);
    expect(fromText.events[0]?.url).toBe(pageUrl);
  });

  it('throws a SourceFormatError for JSON that is not a feed and for a page that is not a tracker page', () => {
    expect(() => parseSourceDocument('{"status": "ok"}', 'application/json', feedUrl)).toThrow(SourceFormatError);
    expect(() => parseSourceDocument('<h1>502 Bad Gateway</h1>', 'text/html', pageUrl)).toThrow(SourceFormatError);
  });
});

describe('the bundled demo source', () => {
  it('points at the Kazakhstan page and the sample feed, both of which parse cleanly', () => {
    const urls = demoSourceUrls();
    expect(urls).toHaveLength(2);
    const documents = urls.map((url) => {
      expect(url).toMatch(/^file:/);
      return parseSourceDocument(readFileSync(fileURLToPath(url), 'utf8'), undefined, url);
    });
    expect(documents.map((d) => d.format)).toEqual(['tracker-page', 'json-feed']);
    expect(documents.map((d) => d.skipped)).toEqual([[], []]);
    expect(documents[0]?.events).toHaveLength(5);
    // Saved from the tracker: its reports link there (the country page), not to the local file.
    expect(documents[0]?.events.map((e) => e.url)).toEqual(Array(5).fill('https://www.idea.int/democracytracker/country/kazakhstan'));
  });

  // shared/ lies beside the repository on project machines and in CI.
  const sharedFixture = new URL('../../shared/fixtures/tracker-kazakhstan-2025-01.txt', import.meta.url);
  it.skipIf(!existsSync(sharedFixture))('ships the Kazakhstan page exactly as the shared fixture', () => {
    expect(pageText).toBe(readFileSync(sharedFixture, 'utf8'));
  });
});
