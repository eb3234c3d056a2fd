import { findCountry } from '../taxonomy/countries';

/** The filters a subscriber (or, later, a webhook endpoint) chose. Empty lists mean "all". */
export interface MatchFilters {
  countries: readonly string[];
  regions: readonly string[];
  categories: readonly string[];
}

export interface MatchableEvent {
  country: string;
  categories: readonly string[];
  factors?: readonly string[];
}

/**
 * Does an event match the filters?
 * - Place: no countries and no regions chosen means every country; otherwise the event's
 *   country must be chosen, or lie in a chosen region.
 * - Category: no categories chosen means every category. An event that carries no
 *   categories (tracker pages give none) matches any category choice, so it still reaches
 *   everyone who chose its country; otherwise one of its categories must be chosen. Webhook
 *   filters may also name factors (`rights.civil_liberties`): those match the event's factors.
 */
export function matchesFilters(event: MatchableEvent, filters: MatchFilters): boolean {
  const anyPlace = filters.countries.length === 0 && filters.regions.length === 0;
  const placeMatches =
    anyPlace ||
    filters.countries.includes(event.country) ||
    (filters.regions.length > 0 && filters.regions.includes(findCountry(event.country)?.region ?? ''));
  if (!placeMatches) return false;
  if (filters.categories.length === 0 || event.categories.length === 0) return true;
  return filters.categories.some((id) => event.categories.includes(id) || (event.factors?.includes(id) ?? false));
}
