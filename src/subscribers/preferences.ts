import { type Language, languages } from '../db/database';
import type { SubscriberChoices, SubscriberRow } from '../db/subscribers';
import { categoryIds, isCategoryId } from '../taxonomy/categories';
import { countries, findCountry, regions } from '../taxonomy/countries';
import { z } from '../zod';

const timeZones = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

export const frequencies = ['monthly', 'weekly'] as const;

/**
 * What a subscriber chooses. Empty `countries` and `regions` mean every country; empty
 * `categories` means every category. An event without categories matches any category choice.
 */
export const preferencesSchema = z.strictObject({
  countries: z
    .array(
      z
        .string()
        .transform((v) => v.trim().toUpperCase())
        .refine((v) => findCountry(v) !== undefined, { message: 'unknown country: use an ISO 3166-1 alpha-3 code' }),
    )
    .max(countries.length)
    .default([])
    .transform((list) => [...new Set(list)].sort()),
  regions: z
    .array(z.string().refine((v) => regions.includes(v), { message: `unknown region: use one of ${regions.join(', ')}` }))
    .max(regions.length)
    .default([])
    .transform((list) => [...new Set(list)].sort()),
  categories: z
    .array(z.string().refine(isCategoryId, { message: `unknown category: use one of ${categoryIds.join(', ')}` }))
    .max(categoryIds.length)
    .default([])
    .transform((list) => categoryIds.filter((id) => list.includes(id))),
  frequency: z.enum(frequencies).default('monthly'),
  timezone: z
    .string()
    .refine((v) => timeZones.has(v), { message: 'unknown time zone: use an IANA name such as Europe/Berlin' })
    .default('UTC'),
  skipEmpty: z.boolean().default(false),
  /** Also email at once when a watch flag is raised in the chosen countries (at most one such email per INSTANT_ALERT_MIN_INTERVAL). */
  instantAlerts: z.boolean().default(false),
  /** Subjects and previews that name no country or topic ("Your monthly update"). */
  neutralSubjects: z.boolean().default(false),
  /** The digest also says when a followed country's facts, treaty status, ranking or 6-month trend changed. */
  countryContext: z.boolean().default(false),
  /** The language of pages and emails. Left out: a sign-up takes the browser's (Accept-Language), a save keeps the stored one. */
  language: z.enum(languages, { message: `unknown language: use one of ${languages.join(', ')}` }).optional(),
});

export type Preferences = z.output<typeof preferencesSchema>;
export type PreferencesInput = z.input<typeof preferencesSchema>;

/** Preferences as the subscribers table stores them. */
export function storedPreferences(p: Preferences): SubscriberChoices {
  return {
    countries: p.countries,
    regions: p.regions,
    categories: p.categories,
    frequency: p.frequency,
    timezone: p.timezone,
    skip_empty: p.skipEmpty,
    instant_alerts: p.instantAlerts,
    neutral_subjects: p.neutralSubjects,
    country_context: p.countryContext,
    language: p.language,
  };
}

/** A stored subscriber's preferences (categories were checked when they were chosen). */
export function preferencesOf(row: SubscriberRow): Preferences & { language: Language } {
  return {
    countries: row.countries,
    regions: row.regions,
    categories: row.categories.filter(isCategoryId),
    frequency: row.frequency,
    timezone: row.timezone,
    skipEmpty: row.skip_empty,
    instantAlerts: row.instant_alerts,
    neutralSubjects: row.neutral_subjects,
    countryContext: row.country_context,
    language: row.language,
  };
}

/** An HTML form's fields (repeated keys as arrays, checkboxes as "on") in the JSON shape. */
export function preferencesFromForm(form: Record<string, string | File | (string | File)[]>): Record<string, unknown> {
  const list = (key: string) => {
    const value = form[key] ?? form[`${key}[]`];
    if (value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
  };
  const one = (key: string) => {
    const value = form[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return {
    countries: list('countries'),
    regions: list('regions'),
    categories: list('categories'),
    ...(one('frequency') ? { frequency: one('frequency') } : {}),
    ...(one('timezone') ? { timezone: one('timezone') } : {}),
    skipEmpty: one('skipEmpty') === 'on' || one('skipEmpty') === 'true',
    instantAlerts: one('instantAlerts') === 'on' || one('instantAlerts') === 'true',
    neutralSubjects: one('neutralSubjects') === 'on' || one('neutralSubjects') === 'true',
    countryContext: one('countryContext') === 'on' || one('countryContext') === 'true',
    ...(one('language') ? { language: one('language') } : {}),
  };
}
