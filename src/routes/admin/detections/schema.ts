import { z } from '@hono/zod-openapi';

export const SourceOutcomeSchema = z
  .object({
    url: z.string(),
    status: z.enum(['changed', 'not_modified', 'failed']),
    format: z.string().optional(),
    events: z.number().int().optional(),
    published: z.number().int().optional(),
    updated: z.number().int().optional(),
    unchanged: z.number().int().optional(),
    changes: z.number().int().optional(),
    skipped: z.number().int().optional().openapi({ description: 'Events in the document that failed validation' }),
    error: z.string().optional(),
    durationMs: z.number(),
  })
  .openapi('SourceOutcome');

export const DetectionRunSchema = z
  .object({
    id: z.number().int(),
    trigger: z.string().openapi({ example: 'cron' }),
    status: z.enum(['running', 'succeeded', 'partial', 'failed', 'abandoned']),
    startedAt: z.string().openapi({ format: 'date-time' }),
    finishedAt: z.string().nullable().openapi({ format: 'date-time' }),
    sources: z.array(SourceOutcomeSchema),
  })
  .openapi('DetectionRun');

export const DetectionRunPageSchema = z
  .object({
    data: z.array(DetectionRunSchema),
    nextBefore: z.number().int().nullable().openapi({ description: 'Pass as `before` for older runs; null on the last page' }),
  })
  .openapi('DetectionRunPage');

export const DetectionRunListQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  before: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ param: { name: 'before', in: 'query' }, description: 'Only runs with an id below this' }),
});

export type DetectionRun = z.infer<typeof DetectionRunSchema>;
export type DetectionRunPage = z.infer<typeof DetectionRunPageSchema>;
