import { z } from '@hono/zod-openapi';
import { changedValuesSchema, countryView, countryViewSchema } from '../../alerts/country-change-view';
import { eventViewSchema } from '../../alerts/event-view';
import type { FeedChange } from '../../db/change-feed';
import { type AnyChangeType, allChangeTypes, changeTypes, countryChangeTypes } from '../../db/change-types';
import { categories as allCategories, isCategoryId, isFactorId } from '../../taxonomy/categories';
import { findCountry, regions } from '../../taxonomy/countries';

/** A comma-separated list query parameter whose every item must pass `valid`. */
function listParam(name: string, valid: (item: string) => boolean, message: string, example: string, normalise = (v: string) => v) {
  return z
    .string()
    .max(2000)
    .transform((value, ctx) => {
      const items = [
        ...new Set(
          value
            .split(',')
            .map((item) => normalise(item.trim()))
            .filter((item) => item !== ''),
        ),
      ];
      const wrong = items.filter((item) => !valid(item));
      if (wrong.length > 0) {
        ctx.addIssue({ code: 'custom', message: `${message}: ${wrong.slice(0, 5).join(', ')}` });
        return z.NEVER;
      }
      return items;
    })
    .optional()
    .openapi({ param: { name, in: 'query' }, description: `Comma-separated; empty or absent means all`, example });
}

/** The filters shared by GET /v1/changes and the feeds; the same meaning as a subscriber's choices. */
export const ChangeFilterQuerySchema = z.object({
  country: listParam(
    'country',
    (id) => findCountry(id) !== undefined,
    'unknown country (use ISO 3166-1 alpha-3 codes)',
    'KAZ,GEO',
    (v) => v.toUpperCase(),
  ),
  region: listParam('region', (r) => regions.includes(r), `unknown region (one of ${regions.join(', ')})`, 'Asia'),
  category: listParam('category', (id) => isCategoryId(id) || isFactorId(id), 'unknown category or factor', 'rights'),
  type: listParam(
    'type',
    (t) => (allChangeTypes as readonly string[]).includes(t),
    `unknown change type (${allChangeTypes.join(', ')})`,
    'event.watch_flag_raised',
  ),
});

export const ChangeFeedQuerySchema = ChangeFilterQuerySchema.extend({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .openapi({
      param: { name: 'after', in: 'query' },
      description: 'Return changes with an id above this (your stored cursor)',
      example: 0,
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 100 }),
});

export const filtersOf = (query: z.output<typeof ChangeFilterQuerySchema>) => ({
  countries: query.country ?? [],
  regions: query.region ?? [],
  categories: query.category ?? [],
  types: (query.type ?? []) as AnyChangeType[],
});

/** The names country pages give the chosen categories (a ranking or trend is keyed by them). */
export const categoryNamesOf = (ids: readonly string[]): string[] => allCategories.filter((c) => ids.includes(c.id)).map((c) => c.name);

const changeFields = {
  id: z.number().int().openapi({ description: 'Increasing; store the last one as your cursor', example: 42 }),
  detectedAt: z.string().openapi({ format: 'date-time' }),
};

export const PublicEventChangeSchema = z
  .object({
    ...changeFields,
    type: z.enum(changeTypes),
    previous: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'Old values of the fields that changed (as in the webhook message); null for event.published' }),
    event: eventViewSchema,
  })
  .openapi('PublicChange');

export const PublicCountryChangeSchema = z
  .object({
    ...changeFields,
    type: z.enum(countryChangeTypes),
    country: countryViewSchema,
    changed: changedValuesSchema,
  })
  .openapi('PublicCountryChange', { description: 'A change of a country page’s context, as in the webhook message' });

export type PublicChange = z.output<typeof PublicEventChangeSchema> | z.output<typeof PublicCountryChangeSchema>;

/** A change as the public feed answers it: an event's with its event, a country's with its country. */
export function publicChange(change: FeedChange): PublicChange {
  if ('event' in change) return change;
  const { id, type, detectedAt, changed } = change;
  return { id, type, detectedAt, country: countryView(change), changed };
}

export const PublicChangePageSchema = z
  .object({
    data: z.array(z.union([PublicEventChangeSchema, PublicCountryChangeSchema])),
    nextAfter: z.number().int().openapi({
      description:
        'Pass as `after` next time. Past the last match it is the newest change looked at, so filtered polls skip what they do not match',
    }),
    hasMore: z.boolean().openapi({ description: 'True when more matching changes are waiting: call again at once' }),
  })
  .openapi('PublicChangePage');

export type PublicChangePage = z.output<typeof PublicChangePageSchema>;
