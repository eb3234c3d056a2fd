import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideCountryContextChanges } from '../src/alerts/detect-country-context';
import { parseCountryContext } from '../src/alerts/sources/country-context';
import { contextLinesFromHtml, linesFromHtml, linesFromText } from '../src/alerts/sources/page-lines';
import { parseTrackerPage } from '../src/alerts/sources/tracker-page';

const text = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const kazakhstan = parseCountryContext(linesFromText(text('../src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt')))!;
const changedPage = parseCountryContext(linesFromText(text('./fixtures/tracker/kazakhstan-context-changed.txt')))!;

describe('the country context a country page carries', () => {
  it('reads the rankings, every Basic Information field, every treaty and the 6-month trends from the text', () => {
    expect(kazakhstan.rankings).toEqual({
      Representation: '128/173',
      Rights: '107/173',
      'Rule of Law': '112/173',
      Participation: '142/173',
    });
    expect(Object.keys(kazakhstan.facts)).toHaveLength(12);
    expect(kazakhstan.facts).toMatchObject({
      Population: '19 002 590',
      'Head of government': 'Prime Minister Oljas Bektenov (since 2024)',
      'Head of government party': 'Amanat',
      'Women in upper chamber': '24.0%',
      'Latest Universal Periodic Review (UPR) date': '07/11/2019',
      'Latest Universal Periodic Review (UPR) percentage of recommendations supported': '87.35%',
    });
    expect(Object.keys(kazakhstan.treaties)).toHaveLength(17);
    expect(kazakhstan.treaties['International Covenant on Civil and Political Rights']).toBe('State Party');
    expect(
      kazakhstan.treaties['International Convention on Protection of the Rights of All Migrant Workers and Members of Their Families'],
    ).toBe('No Action');
    expect(kazakhstan.treaties['Worst Forms of Child Labour Convention']).toBe('State Party');
    expect(kazakhstan.performance).toEqual({
      Representation: 'neutral',
      Rights: 'neutral',
      'Rule of Law': 'neutral',
      Participation: 'neutral',
    });
  });

  it('reads the same values from the HTML (a treaty and its status on one line there)', () => {
    const html = parseCountryContext(contextLinesFromHtml(text('./fixtures/tracker-kazakhstan-2025-01.html')))!;
    expect(html.rankings).toEqual(kazakhstan.rankings);
    expect(html.facts).toEqual({
      Population: '19 002 590',
      'System of government': 'Presidential system',
      'Head of government': 'Prime Minister Oljas Bektenov (since 2024)',
      'Last legislative election': '2023',
    });
    expect(html.treaties).toEqual({
      'International Covenant on Civil and Political Rights': 'State Party',
      'International Convention on Protection of the Rights of All Migrant Workers and Members of Their Families': 'No Action',
    });
  });

  it('reads the 6-month trends from the HTML too: a sidebar chart whose trend word is an icon alt text', () => {
    const page = text('./fixtures/tracker-kazakhstan-2025-01.html');
    expect(parseCountryContext(contextLinesFromHtml(page))!.performance).toEqual(kazakhstan.performance);
    expect(parseTrackerPage(page).context?.performance).toEqual(kazakhstan.performance);
    // Report lines never take alt text or sidebars.
    expect(linesFromHtml(page).some((l) => /neutral|Performance by category/.test(l.text))).toBe(false);
    const declining = page.replace('alt="Representation neutral"> Rights', 'alt="Representation negative"> Rights');
    const { changes } = decideCountryContextChanges('KAZ', kazakhstan, parseCountryContext(contextLinesFromHtml(declining))!);
    expect(changes.filter((c) => c.type === 'country.performance_changed')).toEqual([
      { type: 'country.performance_changed', country: 'KAZ', changed: { Rights: { old: 'neutral', new: 'negative' } } },
    ]);
  });

  it('is absent from a page without context sections (a report page)', () => {
    expect(parseCountryContext(linesFromText(text('./fixtures/tracker/report-kazakhstan-january-2025.txt')))).toBeUndefined();
  });
});

describe('country context changes', () => {
  it('first sight records the state without a change', () => {
    expect(decideCountryContextChanges('KAZ', undefined, kazakhstan)).toEqual({ changes: [], next: kazakhstan });
  });

  it('the same page again: no change', () => {
    expect(decideCountryContextChanges('KAZ', kazakhstan, kazakhstan).changes).toEqual([]);
  });

  it('a page with each section changed: one change per type, old and new values', () => {
    const { changes, next } = decideCountryContextChanges('KAZ', kazakhstan, changedPage);
    expect(changes).toEqual([
      {
        type: 'country.facts_changed',
        country: 'KAZ',
        changed: {
          'Head of government': { old: 'Prime Minister Oljas Bektenov (since 2024)', new: 'Prime Minister Serik Zhumangarin (since 2025)' },
        },
      },
      {
        type: 'country.treaty_status_changed',
        country: 'KAZ',
        changed: {
          'International Convention on Protection of the Rights of All Migrant Workers and Members of Their Families': {
            old: 'No Action',
            new: 'Signatory',
          },
        },
      },
      { type: 'country.ranking_changed', country: 'KAZ', changed: { Rights: { old: '107/173', new: '101/173' } } },
      { type: 'country.performance_changed', country: 'KAZ', changed: { Rights: { old: 'neutral', new: 'negative' } } },
    ]);
    expect(next).toEqual(changedPage);
  });

  it('a section seen for the first time is recorded without a change (HTML pages had no trends before they were read)', () => {
    const storedWithoutTrends = { ...kazakhstan, performance: {} };
    const { changes, next } = decideCountryContextChanges('KAZ', storedWithoutTrends, kazakhstan);
    expect(changes).toEqual([]);
    expect(next.performance).toEqual(kazakhstan.performance);
  });

  it('a section the page no longer carries is kept as stored, not reported as emptied', () => {
    const withoutTrends = { ...changedPage, performance: {} };
    const { changes, next } = decideCountryContextChanges('KAZ', kazakhstan, withoutTrends);
    expect(changes.map((c) => c.type)).not.toContain('country.performance_changed');
    expect(next.performance).toEqual(kazakhstan.performance);
  });
});
