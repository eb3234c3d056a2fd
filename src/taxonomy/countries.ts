import worldCountries from 'world-countries';

export interface Country {
  id: string; // ISO 3166-1 alpha-3
  alpha2: string;
  numeric: string;
  name: string;
  officialName: string;
  region: string;
  subregion: string;
}

/**
 * Every ISO 3166-1 country, from the maintained `world-countries` dataset (UN M49 regions
 * and sub-regions). Entries without an ISO numeric code (Kosovo's user-assigned code) are
 * not ISO 3166-1 and are left out.
 */
export const countries: readonly Country[] = worldCountries
  .filter((c) => c.ccn3 !== '')
  .map((c) => ({
    id: c.cca3,
    alpha2: c.cca2,
    numeric: c.ccn3,
    name: c.name.common,
    officialName: c.name.official,
    region: c.region,
    subregion: c.subregion || c.region,
  }))
  .sort((a, b) => a.name.localeCompare(b.name, 'en'));

const byId = new Map(countries.map((c) => [c.id, c]));
const byName = new Map<string, Country>();
for (const c of worldCountries) {
  const country = byId.get(c.cca3);
  if (!country) continue;
  for (const name of [c.name.common, c.name.official, ...c.altSpellings]) {
    byName.set(normaliseName(name), country);
  }
}

function normaliseName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function findCountry(id: string): Country | undefined {
  return byId.get(id);
}

/** Maps a country's name as written on a page ("Kazakhstan", "Côte d'Ivoire") to its record. */
export function findCountryByName(name: string): Country | undefined {
  return byName.get(normaliseName(name));
}

export const regions: readonly string[] = [...new Set(countries.map((c) => c.region))].sort();
