import type { CountryChangeView } from '../db/changes';
import { categories } from '../taxonomy/categories';
import { findCountry } from '../taxonomy/countries';
import { findTrackerCountry } from '../taxonomy/tracker-countries';
import { z } from '../zod';
import { type MatchFilters, matchesFilters } from './match';

/** The country a context change is about, as webhook messages and the public feed carry it. */
export const countryViewSchema = z
  .object({
    id: z.string().openapi({ description: 'ISO 3166-1 alpha-3', example: 'KAZ' }),
    name: z.string().openapi({ description: "The tracker's name for it", example: 'Kazakhstan' }),
    region: z.string().nullable().openapi({ example: 'Asia' }),
    url: z.string().nullable().openapi({
      description: 'The country page the change was read from',
      example: 'https://www.idea.int/democracytracker/country/kazakhstan',
    }),
  })
  .openapi('Country');

export type CountryView = z.infer<typeof countryViewSchema>;

export const changedValuesSchema = z
  .record(z.string(), z.object({ old: z.string().nullable(), new: z.string().nullable() }))
  .openapi('ChangedValues', {
    description:
      'Each field that changed, as the country page writes it, with its old and new value (null: not on the page). ' +
      'Keys are Basic Information labels, treaty names or category names.',
    example: { Rights: { old: '107/173', new: '101/173' } },
  });

export function countryView(change: Pick<CountryChangeView, 'countryId' | 'sourceUrl'>): CountryView {
  const country = findCountry(change.countryId);
  return {
    id: change.countryId,
    name: findTrackerCountry(change.countryId)?.name ?? country?.name ?? change.countryId,
    region: country?.region ?? null,
    url: change.sourceUrl,
  };
}

/**
 * The categories a country change is about: a ranking or a 6-month trend names its category;
 * Basic Information and treaties belong to none, so (like an event without categories) they
 * match any category choice.
 */
export function countryChangeCategories(change: Pick<CountryChangeView, 'type' | 'changed'>): string[] {
  if (change.type !== 'country.ranking_changed' && change.type !== 'country.performance_changed') return [];
  return categories.filter((c) => c.name in change.changed).map((c) => c.id);
}

/** Does a country change match a reader's or an endpoint's country, region and category choices? */
export function countryChangeMatches(change: Pick<CountryChangeView, 'type' | 'countryId' | 'changed'>, filters: MatchFilters): boolean {
  return matchesFilters({ country: change.countryId, categories: countryChangeCategories(change) }, filters);
}
