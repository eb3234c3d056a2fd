import type { CountryChangeType } from '../db/change-types';
import type { CountryContext } from './sources/country-context';

/** One change of a country's context: what changed, from what to what. */
export interface CountryContextChange {
  type: CountryChangeType;
  country: string;
  /** The fields that changed (Basic Information labels, a treaty, a category), each old and new. */
  changed: Record<string, { old: string | null; new: string | null }>;
}

const sectionTypes: [keyof CountryContext, CountryChangeType, 'one' | 'each'][] = [
  ['facts', 'country.facts_changed', 'one'],
  ['treaties', 'country.treaty_status_changed', 'each'],
  ['rankings', 'country.ranking_changed', 'each'],
  ['performance', 'country.performance_changed', 'each'],
];

/**
 * The changes between the stored context and the one just read, as a pure decision. No stored
 * context (first sight of the country) gives none: its state is recorded without alerting; so
 * does a section seen for the first time. A section the new page does not carry at all is left
 * as it was (a page without its treaties box says nothing about them); within a carried
 * section, a field that is gone is a change to null.
 * Basic Information changes come as one change per page; treaties, rankings and trends one each.
 */
export function decideCountryContextChanges(
  country: string,
  stored: CountryContext | undefined,
  read: CountryContext,
): { changes: CountryContextChange[]; next: CountryContext } {
  if (!stored) return { changes: [], next: read };
  const next: CountryContext = { ...stored };
  const changes: CountryContextChange[] = [];
  for (const [section, type, grouping] of sectionTypes) {
    const now = read[section];
    if (Object.keys(now).length === 0) continue;
    next[section] = now;
    const before = stored[section];
    // First sight of a section (a page that starts carrying it, or one this service starts reading,
    // as the trends of HTML pages): recorded without a change, as a country's first sight is.
    if (Object.keys(before).length === 0) continue;
    const changed: CountryContextChange['changed'] = {};
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(now)])]) {
      const old = before[key] ?? null;
      const value = now[key] ?? null;
      if (old !== value) changed[key] = { old, new: value };
    }
    if (Object.keys(changed).length === 0) continue;
    if (grouping === 'one') changes.push({ type, country, changed });
    else for (const [key, values] of Object.entries(changed)) changes.push({ type, country, changed: { [key]: values } });
  }
  return { changes, next };
}
