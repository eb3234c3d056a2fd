import { countryName, type Language, languages } from '../i18n';
import { type Country, findCountry } from '../taxonomy/countries';
import { isTracked, trackedCountries } from '../taxonomy/tracked-countries';

/**
 * What the country picker offers: the sovereign states the tracker follows (its 173), grouped
 * by UN region and sorted by the name in the reader's language. Other ISO codes stay valid everywhere
 * else (events are stored and matched for any), they are just not offered.
 */
const offered = trackedCountries;

type PickerRegions = readonly { region: string; countries: readonly Country[] }[];

/** The regions and their countries, sorted by the names the language uses (built once per language). */
const byLanguage = new Map<Language, PickerRegions>(
  languages.map((language) => {
    const sorted = [...offered].sort((a, b) => countryName(a, language).localeCompare(countryName(b, language), language));
    const regions = [...new Set(sorted.map((c) => c.region))].sort();
    return [language, regions.map((region) => ({ region, countries: sorted.filter((c) => c.region === region) }))];
  }),
);

export const pickerRegions = (language: Language): PickerRegions => byLanguage.get(language) ?? [];

/** Chosen codes the picker does not offer (set through the API), so a save from the page keeps them. */
export function chosenElsewhere(chosen: readonly string[]): Country[] {
  return chosen
    .filter((id) => !isTracked(id))
    .map((id) => findCountry(id))
    .filter((c): c is Country => c !== undefined);
}
