import { z } from '@hono/zod-openapi';
import { isPlausibleEmail } from '../../../email/address';
import { isStorableInstant, storableInstantMessage } from '../../instants';

export const DigestRunRequestSchema = z
  .strictObject({
    now: z.iso
      .datetime({ offset: true })
      .refine(isStorableInstant, { message: storableInstantMessage })
      .optional()
      .openapi({ description: 'Run as if at this time (default: now)', example: '2025-02-01T09:00:00Z' }),
    dryRun: z.boolean().default(false).openapi({ description: 'Count what would be sent and skipped; write nothing' }),
  })
  .openapi('DigestRunRequest');

export const DigestTickResultSchema = z
  .object({
    asOf: z.string(),
    dryRun: z.boolean(),
    enqueued: z.number().int().openapi({ description: 'Digests newly due (one per subscriber and period)' }),
    sent: z.number().int(),
    skipped: z.number().int().openapi({ description: 'Nothing new and the subscriber chose to skip empty digests' }),
    failed: z.number().int(),
    deferred: z.number().int().openapi({ description: 'Not accepted by the provider this time; retried later with the same key' }),
    batches: z.number().int(),
  })
  .openapi('DigestTickResult');

export const DigestRunPageSchema = z
  .object({
    data: z.array(
      z.object({
        id: z.number().int(),
        trigger: z.string(),
        asOf: z.string(),
        startedAt: z.string(),
        finishedAt: z.string().nullable(),
        counts: z.record(z.string(), z.number()),
      }),
    ),
    nextBefore: z.number().int().nullable(),
  })
  .openapi('DigestRunPage');

export const DigestRunListQuerySchema = z.object({
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
    .openapi({ param: { name: 'before', in: 'query' } }),
});

export const PreviewQuerySchema = z.object({
  email: z
    .string()
    .max(254)
    .refine((v) => isPlausibleEmail(v.trim()), { message: 'is not an email address' })
    .openapi({ param: { name: 'email', in: 'query' }, example: 'ana@example.org' }),
});

export type DigestTickResponse = z.infer<typeof DigestTickResultSchema>;
export type DigestRunPage = z.infer<typeof DigestRunPageSchema>;
