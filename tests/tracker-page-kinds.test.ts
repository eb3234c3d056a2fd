import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseEvent } from '../src/alerts/event';
import { SourceFormatError } from '../src/alerts/sources/errors';
import { parseTrackerPage } from '../src/alerts/sources/tracker-page';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const countryHtml = fixture('tracker-kazakhstan-2025-01.html');
const countryUrl = 'https://www.idea.int/democracytracker/country/kazakhstan';
const reportUrl = 'https://www.idea.int/democracytracker/report/kazakhstan/january-2025';
const januaryIds = [
  'kaz-2025-01-satirists-arrest-signals-crackdown-on-speech',
  'kaz-2025-01-constitutional-courts-ruling-yields-a-small-win-for-freedom-of-association',
];

describe('a per-month report page ("Kazakhstan - January 2025")', () => {
  for (const format of ['txt', 'html'] as const) {
    it(`as ${format}: gives that month's reports for KAZ`, () => {
      const page = parseTrackerPage(fixture(`tracker/report-kazakhstan-january-2025.${format}`), { url: reportUrl });
      expect(page).toMatchObject({ country: 'KAZ', kind: 'report', skipped: [] });
      expect(page.events.map((e) => [e.id, e.month, e.sources.length])).toEqual([
        [januaryIds[0], '2025-01', 3],
        [januaryIds[1], '2025-01', 2],
      ]);
    });
  }

  it('gives each report the same id and the same content hash as the country page', () => {
    const fromCountry = parseTrackerPage(countryHtml, { url: countryUrl }).events.filter((e) => e.month === '2025-01');
    const fromReport = parseTrackerPage(fixture('tracker/report-kazakhstan-january-2025.html'), { url: reportUrl }).events;
    expect(fromReport.map(normaliseEvent)).toEqual(fromCountry.map(normaliseEvent));
    expect(fromReport.every((e) => e.url === countryUrl)).toBe(true);
  });

  it('takes the country from its slug or name in either heading style', () => {
    const text = 'UK – March 2025\n\nA report\n\nBody.\n\nSources: Wire\n';
    const page = parseTrackerPage(text, { url: 'http://127.0.0.1:9/democracytracker/report/united-kingdom/march-2025' });
    expect(page).toMatchObject({ country: 'GBR', kind: 'report' });
    expect(page.events.map((e) => [e.id, e.url])).toEqual([
      ['gbr-2025-03-a-report', 'http://127.0.0.1:9/democracytracker/country/united-kingdom'],
    ]);
  });
});

describe('partial pages', () => {
  it("HTML cut off inside a report's sources: only the reports before it", () => {
    const page = parseTrackerPage(fixture('tracker/partial-kazakhstan-cut-in-sources.html'));
    expect(page.events.map((e) => e.id)).toEqual(januaryIds);
  });

  it("text cut off inside a report's body: only the reports before it", () => {
    const page = parseTrackerPage(fixture('tracker/partial-kazakhstan-cut-in-body.txt'));
    expect(page.events.map((e) => e.id)).toEqual(januaryIds);
  });

  it('a whole page still gives its last report', () => {
    expect(parseTrackerPage(countryHtml).events).toHaveLength(5);
  });
});

describe('layouts not recognised', () => {
  it('a country heading followed by nothing it knows: says so, with the line where it stopped', () => {
    const parse = () => parseTrackerPage(fixture('tracker/unknown-layout.html'), { url: countryUrl });
    expect(parse).toThrow(SourceFormatError);
    expect(parse).toThrow(
      `layout not recognised (${countryUrl}): after the heading "Kazakhstan" (line 1) no month, report or known section follows; stopped at line 2: "Country dashboard (beta)"`,
    );
  });

  it('a page with no country heading: says so, with the line where it stopped', () => {
    expect(() => parseTrackerPage(fixture('tracker/not-a-tracker-page.html'))).toThrow(
      'layout not recognised: no country name or "Country - Month YYYY" heading found; stopped at line 3: "January 2025"',
    );
  });
});
