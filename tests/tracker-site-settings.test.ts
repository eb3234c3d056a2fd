import { describe, expect, it } from 'vitest';
import { planTrackerPages } from '../src/alerts/detector/tracker-site';
import { type ConfigError, parseConfig } from '../src/config';

const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('the tracker site setting', () => {
  it('is one base URL; the country list defaults to all 173, or takes codes and slugs', () => {
    expect(parseConfig({}).tracker).toBeUndefined();
    expect(parseConfig({ TRACKER_BASE_URL: '' }).tracker).toBeUndefined();
    const all = parseConfig({ TRACKER_BASE_URL: 'https://www.idea.int/' }).tracker;
    expect(all).toMatchObject({ baseUrl: 'https://www.idea.int', concurrency: 2, delayMs: 1000 });
    expect(all?.countries).toHaveLength(173);
    const some = parseConfig({
      TRACKER_BASE_URL: 'https://www.idea.int',
      TRACKER_COUNTRIES: 'kaz, republic-korea,GBR',
      TRACKER_CONCURRENCY: '3',
    });
    expect(some.tracker).toMatchObject({ countries: ['KAZ', 'KOR', 'GBR'], concurrency: 3 });
  });

  it('stops start-up with one line naming the variable when the base URL or country list is bad', () => {
    expect(problemsOf({ TRACKER_BASE_URL: 'ftp://example.org' })).toEqual(['TRACKER_BASE_URL: must be an http(s) URL']);
    expect(problemsOf({ TRACKER_BASE_URL: 'not a url' })).toEqual(['TRACKER_BASE_URL: must be an http(s) URL']);
    expect(problemsOf({ TRACKER_BASE_URL: 'https://www.idea.int', TRACKER_COUNTRIES: 'KAZ,Atlantis,XXX' })).toEqual([
      'TRACKER_COUNTRIES: "Atlantis", "XXX" not among the countries the tracker follows (give ISO alpha-3 codes or tracker slugs)',
    ]);
    expect(problemsOf({ TRACKER_BASE_URL: 'https://www.idea.int', TRACKER_CONCURRENCY: '0' })).toEqual([
      expect.stringMatching(/^TRACKER_CONCURRENCY: /),
    ]);
  });
});

describe('which page a run reads per country', () => {
  const tracker = { baseUrl: 'https://t.example', countries: ['KAZ'], concurrency: 2, delayMs: 0 };
  const now = new Date('2025-01-20T10:00:00Z');
  const countryUrl = 'https://t.example/democracytracker/country/kazakhstan';
  const state = (over: Record<string, unknown>) =>
    new Map([
      [
        countryUrl,
        { url: countryUrl, etag: null, last_modified: null, last_success_at: new Date('2025-01-20T09:00:00Z'), ...over } as never,
      ],
    ]);

  it('the country page when it is new or the site gives it validators (a 304 is the cheapest read)', () => {
    expect(planTrackerPages(tracker, new Map(), now)[0]).toMatchObject({ url: countryUrl, kind: 'country', group: 'Asia' });
    expect(planTrackerPages(tracker, state({ etag: '"a"' }), now)[0]?.url).toBe(countryUrl);
  });

  it("the current month's report page when the country page has no validators and was read within a day", () => {
    expect(planTrackerPages(tracker, state({}), now)[0]).toMatchObject({
      url: 'https://t.example/democracytracker/report/kazakhstan/january-2025',
      kind: 'report',
    });
    expect(planTrackerPages(tracker, state({ last_success_at: new Date('2025-01-18T09:00:00Z') }), now)[0]?.url).toBe(countryUrl);
  });
});
