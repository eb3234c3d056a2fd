import { z } from '@hono/zod-openapi';
import { changedValuesSchema } from '../../../alerts/country-change-view';
import { changeTypes, countryChangeTypes } from '../../../db/change-types';
import { ChangeFilterQuerySchema } from '../../changes/schema';

const changeFields = {
  id: z.number().int().openapi({ description: 'Monotonic; safe as a consumer cursor', example: 42 }),
  detectedAt: z.string().openapi({ format: 'date-time' }),
};

export const ChangeSchema = z
  .object({
    ...changeFields,
    type: z.enum(changeTypes),
    eventId: z.string(),
    previous: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'Old values of the fields that changed; null for event.published' }),
  })
  .openapi('Change');

export const CountryChangeSchema = z
  .object({
    ...changeFields,
    type: z.enum(countryChangeTypes),
    countryId: z.string().openapi({ description: 'ISO 3166-1 alpha-3', example: 'KAZ' }),
    changed: changedValuesSchema,
    sourceUrl: z.string().nullable().openapi({ description: 'The country page it was read from' }),
  })
  .openapi('CountryChange', { description: 'A change of a country page’s context (Basic Information, treaties, rankings, trends)' });

export const ChangePageSchema = z
  .object({
    data: z.array(z.union([ChangeSchema, CountryChangeSchema])),
    nextAfter: z.number().int().openapi({ description: 'The cursor to store and pass as `after` next time' }),
    hasMore: z.boolean().openapi({ description: 'True when a full page came back: call again at once' }),
  })
  .openapi('ChangePage');

export const ChangeListQuerySchema = ChangeFilterQuerySchema.pick({ country: true, type: true }).extend({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .openapi({ param: { name: 'after', in: 'query' }, description: 'Return changes with an id above this', example: 0 }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .openapi({ param: { name: 'limit', in: 'query' } }),
});

export type ChangePage = z.infer<typeof ChangePageSchema>;
export type AdminEventChange = z.infer<typeof ChangeSchema>;
