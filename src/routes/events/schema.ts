import { z } from '@hono/zod-openapi';
import { eventIdSchema } from '../../alerts/event';
import { eventViewSchema } from '../../alerts/event-view';
import { isCategoryId, isFactorId } from '../../taxonomy/categories';
import { findCountry } from '../../taxonomy/countries';
import { cursorQueryParam, encodeCursor } from '../cursor';
import { isStorableInstant, storableInstantMessage } from '../instants';

export const EventSchema = eventViewSchema;

export const EventPageSchema = z
  .object({
    data: z.array(EventSchema),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last' }),
  })
  .openapi('EventPage');

/** Opaque keyset cursor: the (month, id) of the last event of a page. */
export const encodeEventCursor = (position: { month: string; id: string }): string => encodeCursor([position.month, position.id]);

const eventCursor = z.tuple([z.string().regex(/^\d{4}-\d{2}$/), eventIdSchema]).transform(([month, id]) => ({ month, id }));

export const EventListQuerySchema = z.object({
  country: z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .refine((v) => findCountry(v) !== undefined, { message: 'unknown country: use an ISO 3166-1 alpha-3 code' })
    .optional()
    .openapi({ param: { name: 'country', in: 'query' }, example: 'KAZ' }),
  category: z
    .string()
    .refine((v) => isCategoryId(v) || isFactorId(v), { message: 'unknown category or factor: see GET /v1/categories' })
    .optional()
    .openapi({ param: { name: 'category', in: 'query' }, description: 'A category id or a factor id', example: 'rights' }),
  since: z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], { message: 'must be an ISO 8601 date or date-time' })
    .refine(isStorableInstant, { message: storableInstantMessage })
    .transform((v) => new Date(v))
    .optional()
    .openapi({
      param: { name: 'since', in: 'query' },
      description: 'Only events published or changed at or after this time',
      example: '2025-01-01T00:00:00Z',
    }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 20 }),
  cursor: cursorQueryParam(eventCursor),
});

export const EventIdParamsSchema = z.object({
  id: eventIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'kaz-2025-01-satirist-arrest' }),
});

export type Event = z.infer<typeof EventSchema>;
export type EventPage = z.infer<typeof EventPageSchema>;
