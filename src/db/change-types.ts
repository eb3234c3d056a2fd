import type { EventFields } from './event-fields';

export const changeTypes = ['event.published', 'event.updated', 'event.watch_flag_raised', 'event.watch_flag_lifted'] as const;

export type ChangeType = (typeof changeTypes)[number];

/** One change to append to the log. */
export interface ChangeDecision {
  type: ChangeType;
  /** Old values of the fields this change is about; null for a new event. */
  previous: Partial<EventFields> | null;
}

/**
 * Changes of a country's context (issue 16), kept in the same change log with `country_id`
 * instead of `event_id`. Webhooks, the public feeds and the digest's "Country context" section
 * carry them; instant alerts read event changes only.
 */
export const countryChangeTypes = [
  'country.facts_changed',
  'country.treaty_status_changed',
  'country.ranking_changed',
  'country.performance_changed',
] as const;

export type CountryChangeType = (typeof countryChangeTypes)[number];

/** Every type the change log holds: what webhooks, the public feed and the catalogue carry. */
export const allChangeTypes = [...changeTypes, ...countryChangeTypes] as const;

export type AnyChangeType = (typeof allChangeTypes)[number];

export function isCountryChangeType(type: string): type is CountryChangeType {
  return (countryChangeTypes as readonly string[]).includes(type);
}

export function isEventChangeType(type: string): type is ChangeType {
  return (changeTypes as readonly string[]).includes(type);
}
