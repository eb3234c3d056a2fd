import { describe, expect, it } from 'vitest';
import { countryOfName } from '../src/alerts/sources/tracker-page';
import { findCountry } from '../src/taxonomy/countries';
import {
  findTrackerCountryByName,
  findTrackerCountryBySlug,
  slugExceptions,
  trackerCountries,
  trackerSlugOf,
} from '../src/taxonomy/tracker-countries';

describe('the tracker country table, every row', () => {
  it('holds the 173 countries the tracker follows, each once by code, name and slug', () => {
    expect(trackerCountries).toHaveLength(173);
    expect(new Set(trackerCountries.map((c) => c.id)).size).toBe(173);
    expect(new Set(trackerCountries.map((c) => c.slug)).size).toBe(173);
    const names = trackerCountries.flatMap((c) => [c.name, ...c.otherNames].map((n) => n.toLowerCase()));
    expect(new Set(names).size).toBe(names.length);
  });

  it('names only ISO countries the taxonomy stores', () => {
    expect(trackerCountries.filter((c) => !findCountry(c.id)).map((c) => c.id)).toEqual([]);
  });

  it.each(trackerCountries.map((c) => [c.id, c]))('%s: its name, other names and slug all lead back to it', (_id, country) => {
    for (const name of [country.name, ...country.otherNames]) expect(countryOfName(name), name).toBe(country.id);
    expect(findTrackerCountryBySlug(country.slug)?.id).toBe(country.id);
    expect(country.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(country.slug).toBe(slugExceptions.get(country.id) ?? trackerSlugOf(country.name));
  });
});

describe('the names and slugs the issue measured', () => {
  it.each([
    ['UK', 'GBR', 'united-kingdom'],
    ['Türkiye', 'TUR', 'turkiye'],
    ["Côte d'Ivoire", 'CIV', 'cote-divoire'],
    ['Côte d’Ivoire', 'CIV', 'cote-divoire'],
    ['Russian Federation', 'RUS', 'russian-federation'],
    ['Palestine', 'PSE', 'palestine'],
    ['Republic of Korea', 'KOR', 'republic-korea'],
    ['United States of America', 'USA', 'united-states-america'],
  ])('%s -> %s, /%s', (name, id, slug) => {
    expect(countryOfName(name)).toBe(id);
    expect(findTrackerCountryByName(name)?.slug).toBe(slug);
  });

  it('still refuses short words that are only ISO codes among alternative spellings', () => {
    expect(countryOfName('in')).toBeUndefined();
    expect(countryOfName('Flag')).toBeUndefined();
  });
});
