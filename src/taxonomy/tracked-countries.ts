import { type Country, countries, findCountry } from './countries';
import { trackerCountries } from './tracker-countries';

/**
 * The sovereign states the tracker follows (its 173) as the reader is offered them: grouped
 * by UN region (regions sorted), each sorted by its English name. `GET /v1/countries` lists
 * them so, as the pages' picker does in English (pages/country-picker.ts sorts by the names of
 * the reader's language). Other ISO codes stay
 * valid everywhere else (events are stored and matched for any); they are just not offered.
 */
export const trackedCountries: readonly Country[] = trackerCountries
  .map((c) => findCountry(c.id))
  .filter((c): c is Country => c !== undefined)
  .sort((a, b) => a.name.localeCompare(b.name, 'en'));

export const trackedRegions: readonly { region: string; countries: readonly Country[] }[] = [
  ...new Set(trackedCountries.map((c) => c.region)),
]
  .sort()
  .map((region) => ({ region, countries: trackedCountries.filter((c) => c.region === region) }));

const trackedIds = new Set(trackedCountries.map((c) => c.id));

export const isTracked = (id: string): boolean => trackedIds.has(id);

/** Every ISO 3166-1 country the tracker does not follow, by region then name, as the tracked ones are ordered. */
export const untrackedCountries: readonly Country[] = countries
  .filter((c) => !trackedIds.has(c.id))
  .sort((a, b) => a.region.localeCompare(b.region, 'en') || a.name.localeCompare(b.name, 'en'));
