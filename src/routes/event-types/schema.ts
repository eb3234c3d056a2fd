import { z } from '@hono/zod-openapi';

export const EventTypeSchema = z
  .object({
    type: z.string().openapi({ example: 'event.published' }),
    description: z.string(),
    schema: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'JSON Schema (draft 2020-12) of the webhook request body for this type' }),
    example: z.record(z.string(), z.unknown()).openapi({ description: 'A request body, as the dispatcher writes it' }),
  })
  .openapi('EventType');

export const EventTypeListSchema = z.object({ data: z.array(EventTypeSchema) }).openapi('EventTypeList');
