import type { CountryChangeView } from '../../db/changes';
import type { DigestContextChange } from '../../templates/models';
import { countryChangeMatches, countryView } from '../country-change-view';
import type { MatchFilters } from '../match';

/** A short section: more than this many lines say "and N more" instead. */
export const MAX_CONTEXT_LINES = 20;

/**
 * Pure: the "Country context" lines a reader gets, from the window's country changes after
 * their cursor that match their places and categories. Changes of one field of one country in
 * the period fold into one line, from the first old value to the last new one (a value that
 * went and came back is no line); newest reading first, in the page's order within one reading.
 */
export function composeCountryContext(
  changes: readonly CountryChangeView[],
  recipient: MatchFilters & { digestCursor: number },
): { lines: DigestContextChange[]; more: number } {
  const folded = new Map<string, { change: CountryChangeView; fields: Map<string, { old: string | null; new: string | null }> }>();
  for (const change of changes) {
    if (change.id <= recipient.digestCursor || !countryChangeMatches(change, recipient)) continue;
    const key = `${change.countryId}\u0000${change.type}`;
    const entry = folded.get(key) ?? { change, fields: new Map() };
    entry.change = change;
    for (const [field, values] of Object.entries(change.changed)) {
      const before = entry.fields.get(field);
      entry.fields.set(field, { old: before ? before.old : values.old, new: values.new });
    }
    folded.set(key, entry);
  }
  const lines = [...folded.values()]
    .map(({ change, fields }) => ({ change, changed: [...fields].filter(([, v]) => v.old !== v.new) }))
    .filter(({ changed }) => changed.length > 0)
    .sort((a, b) => b.change.detectedAt.localeCompare(a.change.detectedAt) || a.change.id - b.change.id)
    .map(({ change, changed }): DigestContextChange => {
      const country = countryView(change);
      return {
        country: country.name,
        type: change.type,
        changed: changed.map(([field, v]) => ({ field, old: v.old, new: v.new })),
        readAt: change.detectedAt,
        ...(country.url?.startsWith('http') ? { url: country.url } : {}),
      };
    });
  return { lines: lines.slice(0, MAX_CONTEXT_LINES), more: Math.max(0, lines.length - MAX_CONTEXT_LINES) };
}
