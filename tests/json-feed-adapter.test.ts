import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SourceFormatError } from '../src/alerts/sources/errors';
import { parseJsonFeed } from '../src/alerts/sources/feed';
import { findCountry } from '../src/taxonomy/countries';
import { sampleEvent } from '../testkit/events';

const demoFeed = readFileSync(new URL('../src/alerts/sources/demo/sample-feed.json', import.meta.url), 'utf8');

describe('the JSON feed adapter', () => {
  it('reads an array of contract events', () => {
    const events = [sampleEvent({ id: 'feed-a' }), sampleEvent({ id: 'feed-b', watchFlag: true })];
    const feed = parseJsonFeed(JSON.stringify(events));
    expect(feed.skipped).toEqual([]);
    expect(feed.events.map((e) => e.id)).toEqual(['feed-a', 'feed-b']);
    expect(feed.events[1]?.watchFlag).toBe(true);
  });

  it('reads the {events: [...]} form and ignores a note beside it', () => {
    const body = JSON.stringify({ note: 'Sample data', events: [sampleEvent({ id: 'feed-c' })] });
    expect(parseJsonFeed(body).events.map((e) => e.id)).toEqual(['feed-c']);
  });

  it('fills the contract defaults for fields an event leaves out', () => {
    const body = JSON.stringify([{ id: 'minimal', country: 'kaz', month: '2025-02', title: 'Minimal' }]);
    expect(parseJsonFeed(body).events).toEqual([
      {
        id: 'minimal',
        country: 'KAZ',
        month: '2025-02',
        title: 'Minimal',
        body: '',
        categories: [],
        factors: [],
        watchFlag: false,
        updates: [],
        sources: [],
      },
    ]);
  });

  it('skips invalid events with their index and the field path of each problem, keeping the valid ones', () => {
    const body = JSON.stringify([
      sampleEvent({ id: 'good-1' }),
      sampleEvent({ id: 'bad-country', country: 'XXX' }),
      'not an event',
      sampleEvent({ id: 'bad-source', sources: [{ name: 'Wire', url: 'ftp://example.org/x' }] }),
      { ...sampleEvent({ id: 'extra-field' }), colour: 'red' },
      sampleEvent({ id: 'good-2', month: '2024-12' }),
      sampleEvent({ id: 'good-1' }),
    ]);
    const feed = parseJsonFeed(body);
    expect(feed.events.map((e) => e.id)).toEqual(['good-1', 'good-2']);
    expect(feed.skipped).toEqual([
      { index: 1, reason: expect.stringMatching(/^country: unknown country/) },
      { index: 2, reason: expect.stringMatching(/^\(event\): .*expected object/) },
      { index: 3, reason: 'sources[0].url: must be an http(s) URL' },
      { index: 4, reason: '(event): unknown field(s): colour' },
      { index: 6, reason: 'id: "good-1" is already the id of the event at index 0' },
    ]);
  });

  it('skips an event holding U+0000 anywhere, naming the field, since PostgreSQL cannot store it', () => {
    const body = JSON.stringify([
      sampleEvent({ id: 'nul-body', body: 'a\u0000b' }),
      sampleEvent({ id: 'nul-source', sources: [{ name: 'Wire\u0000' }] }),
      sampleEvent({ id: 'clean' }),
    ]);
    const feed = parseJsonFeed(body);
    expect(feed.events.map((e) => e.id)).toEqual(['clean']);
    expect(feed.skipped).toEqual([
      { index: 0, reason: 'body: must not contain the NUL character (U+0000)' },
      { index: 1, reason: 'sources[0].name: must not contain the NUL character (U+0000)' },
    ]);
  });

  it('skips an event holding a lone UTF-16 surrogate, naming the field, since PostgreSQL json cannot store it', () => {
    const body = JSON.stringify([sampleEvent({ id: 'lone', title: 'x\ud83dy' }), sampleEvent({ id: 'paired', title: 'x\ud83d\ude00y' })]);
    const feed = parseJsonFeed(body);
    expect(feed.events.map((e) => e.id)).toEqual(['paired']);
    expect(feed.skipped).toEqual([{ index: 0, reason: 'title: must be well-formed Unicode (it holds a lone UTF-16 surrogate)' }]);
  });

  it('throws a SourceFormatError for a body that is not JSON or not a feed', () => {
    for (const body of ['<html>oops</html>', '{"events": ', '', '42', '{"items": []}', 'null', '{"events": {}}']) {
      expect(() => parseJsonFeed(body), body).toThrow(SourceFormatError);
    }
    expect(() => parseJsonFeed('{"items": []}')).toThrow(/array of events or an object/);
  });
});

describe('the bundled demo feed', () => {
  const feed = parseJsonFeed(demoFeed);

  it('is marked as sample data', () => {
    expect(JSON.parse(demoFeed).note).toMatch(/sample data/i);
    expect(feed.events.every((e) => e.id.startsWith('demo-') && e.body?.includes('sample'))).toBe(true);
  });

  it('parses with no event skipped, every country known, every event categorised', () => {
    expect(feed.skipped).toEqual([]);
    expect(feed.events.length).toBeGreaterThanOrEqual(10);
    expect(feed.events.every((e) => findCountry(e.country) !== undefined)).toBe(true);
    expect(new Set(feed.events.map((e) => e.country)).size).toBeGreaterThanOrEqual(5);
    expect(feed.events.every((e) => (e.categories?.length ?? 0) > 0 && (e.factors?.length ?? 0) > 0)).toBe(true);
  });

  it('includes watch flags and updates for the digest to show', () => {
    expect(feed.events.filter((e) => e.watchFlag).length).toBeGreaterThanOrEqual(2);
    expect(feed.events.filter((e) => (e.updates?.length ?? 0) > 0).length).toBeGreaterThanOrEqual(2);
  });
});
