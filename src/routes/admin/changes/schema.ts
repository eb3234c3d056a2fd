import { z } from '@hono/zod-openapi';
import { changeTypes } from '../../../db/change-types';

export const ChangeSchema = z
  .object({
    id: z.number().int().openapi({ description: 'Monotonic; safe as a consumer cursor', example: 42 }),
    type: z.enum(changeTypes),
    eventId: z.string(),
    previous: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'Old values of the fields that changed; null for event.published' }),
    detectedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Change');

export const ChangePageSchema = z
  .object({
    data: z.array(ChangeSchema),
    nextAfter: z.number().int().openapi({ description: 'The cursor to store and pass as `after` next time' }),
    hasMore: z.boolean().openapi({ description: 'True when a full page came back: call again at once' }),
  })
  .openapi('ChangePage');

export const ChangeListQuerySchema = z.object({
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
