import type { CountryChangeType } from '../db/change-types';

/**
 * The words readers see for country context in feeds and digests, kept in one place so the
 * language catalogue can take them over (the preference choice's words are in src/i18n already).
 */
export const countryContextWords = {
  section: 'Country context',
  intro: 'What the tracker’s country pages now say differently: old and new values, and the day we read them.',
  readOn: (day: string) => `read ${day}`,
  countryPage: 'Country page',
  more: (count: number) => `and ${count} more ${count === 1 ? 'change' : 'changes'} of country context`,
  none: 'not shown',
  types: {
    'country.facts_changed': 'Basic information changed',
    'country.treaty_status_changed': 'Treaty status changed',
    'country.ranking_changed': 'Ranking changed',
    'country.performance_changed': '6-month trend changed',
  } satisfies Record<CountryChangeType, string>,
};

/** "Head of government: Prime Minister A → Prime Minister B", one per changed field. */
export function changedValueLines(changed: Readonly<Record<string, { old: string | null; new: string | null }>>): string[] {
  return Object.entries(changed).map(
    ([field, { old, new: value }]) => `${field}: ${old ?? countryContextWords.none} → ${value ?? countryContextWords.none}`,
  );
}
