import { z } from '@hono/zod-openapi';
import { allChangeTypes } from '../../db/change-types';
import { signatureSchemes } from '../../db/database';
import { categoryIds, isCategoryId, isFactorId } from '../../taxonomy/categories';
import { countries, findCountry } from '../../taxonomy/countries';
import { cursorQueryParam, encodeCursor } from '../cursor';
import { isStorableInstant, storableInstantMessage } from '../instants';

// ---- filters (shared by create and patch) ----

const typesFilter = z
  .array(z.enum(allChangeTypes))
  .max(allChangeTypes.length * 4)
  .transform((list) => allChangeTypes.filter((t) => list.includes(t)))
  .openapi({ description: 'Change types to receive; empty or absent means every type', example: ['event.published', 'event.updated'] });

const countriesFilter = z
  .array(
    z
      .string()
      .transform((v) => v.trim().toUpperCase())
      .refine((v) => findCountry(v) !== undefined, { message: 'unknown country: use an ISO 3166-1 alpha-3 code' }),
  )
  .max(countries.length)
  .transform((list) => [...new Set(list)].sort())
  .openapi({ description: 'ISO 3166-1 alpha-3 codes; empty or absent means every country', example: ['KAZ'] });

const categoriesFilter = z
  .array(
    z.string().refine((v) => isCategoryId(v) || isFactorId(v), {
      message: `unknown category or factor: use one of ${categoryIds.join(', ')} or a factor id (see GET /v1/categories)`,
    }),
  )
  .max(200)
  .transform((list) => [...new Set(list)].sort())
  .openapi({ description: 'Category or factor ids; empty or absent means every category', example: ['rights'] });

const urlField = z.string().trim().min(1).max(2048).openapi({
  description: 'Where to POST. https (http only with WEBHOOK_ALLOW_PRIVATE_NETWORKS=1); internal addresses are refused',
  example: 'https://example.org/hooks/tracker',
});

const signaturesField = z
  .array(z.enum(signatureSchemes))
  .min(1)
  .max(2)
  .transform((list) => signatureSchemes.filter((s) => list.includes(s)))
  .openapi({
    description:
      'Standard Webhooks signature schemes: `v1` (HMAC-SHA256 with the endpoint secret) and/or `v1a` (Ed25519 with the keys ' +
      'published at GET /v1/webhook-signing-keys). Default `["v1"]`',
    example: ['v1', 'v1a'],
  });

const rateLimitField = z
  .number()
  .int()
  .min(1)
  .max(1000)
  .nullable()
  .openapi({
    description:
      'At most this many deliveries per second to this endpoint, however many instances deliver (test pings are not counted); ' +
      'null or absent: no limit',
    example: 10,
  });

const descriptionField = z.string().trim().max(500).openapi({ example: 'Newsroom alerts bot' });

// ---- requests ----

export const WebhookEndpointCreateSchema = z
  .strictObject({
    url: urlField,
    types: typesFilter.optional(),
    countries: countriesFilter.optional(),
    categories: categoriesFilter.optional(),
    description: descriptionField.optional(),
    signatures: signaturesField.optional(),
    rateLimit: rateLimitField.optional(),
  })
  .openapi('WebhookEndpointCreate', {
    example: {
      url: 'https://example.org/hooks/tracker',
      types: ['event.published'],
      countries: ['KAZ'],
      categories: ['rights'],
      description: 'Newsroom alerts bot',
    },
  });

export const WebhookEndpointPatchSchema = z
  .strictObject({
    url: urlField.optional(),
    types: typesFilter.optional(),
    countries: countriesFilter.optional(),
    categories: categoriesFilter.optional(),
    description: descriptionField.nullable().optional().openapi({ description: 'null removes it' }),
    signatures: signaturesField.optional(),
    rateLimit: rateLimitField.optional().openapi({ description: 'Deliveries per second at most; null removes the limit' }),
    enabled: z.boolean().optional().openapi({ description: 'false pauses deliveries; true resumes them and clears the disabled reason' }),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), { message: 'send at least one field to change' })
  .openapi('WebhookEndpointPatch', { example: { enabled: false } });

export const ReplayRequestSchema = z
  .strictObject({
    since: z
      .union(
        [
          z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
          z.iso.datetime({ offset: true }).refine(isStorableInstant, { message: storableInstantMessage }),
          z.iso.date().refine(isStorableInstant, { message: storableInstantMessage }),
        ],
        { message: 'must be a change id (a number) or an ISO 8601 date-time' },
      )
      .transform((v): ReplaySince => (typeof v === 'number' ? { changeId: v } : { at: new Date(v) }))
      .openapi({
        description: 'A change id (that change and every later one) or an ISO 8601 time (changes detected at or after it)',
        example: '2025-02-01T00:00:00Z',
      }),
    until: z.iso
      .datetime({ offset: true, abort: true })
      .refine(isStorableInstant, { message: storableInstantMessage, abort: true })
      .transform((v) => new Date(v))
      .optional()
      .openapi({
        description: 'An ISO 8601 time: only changes detected before it (the end of the range, exclusive); absent: up to now',
        example: '2025-02-02T00:00:00Z',
      }),
  })
  // Zod runs this check even when `since` failed its own, so `since` may still be the raw input here.
  .refine((body) => !(body.until instanceof Date) || !(body.since instanceof Object && 'at' in body.since) || body.until > body.since.at, {
    message: 'must be after since',
    path: ['until'],
  })
  .openapi('WebhookReplayRequest');

export type ReplaySince = { changeId: number } | { at: Date };

// ---- params and queries ----

export const EndpointParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'ep_3kTmq0c2Yb8XhV1L' }),
});

export const DeliveryParamsSchema = EndpointParamsSchema.extend({
  deliveryId: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'deliveryId', in: 'path' }, example: 'msg_2Sx8yJ0bZ5m1c9QkQm5pWg' }),
});

/** Opaque keyset cursor: the (createdAt, id) of the last delivery of a page. */
export const encodeDeliveryCursor = (position: { createdAt: Date; id: string }): string =>
  encodeCursor([position.createdAt.toISOString(), position.id]);

const deliveryCursor = z
  .tuple([z.iso.datetime().refine(isStorableInstant), z.string().min(1).max(100)])
  .transform(([createdAt, id]) => ({ createdAt: new Date(createdAt), id }));

export const DeliveryListQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 20 }),
  cursor: cursorQueryParam(deliveryCursor),
});

// ---- responses ----

const dateTime = z.string().openapi({ format: 'date-time' });

export const WebhookEndpointSchema = z
  .object({
    id: z.string().openapi({ example: 'ep_3kTmq0c2Yb8XhV1L' }),
    integratorId: z.string().nullable().openapi({
      description: "The integrator that owns it (its API key manages it); null for the operator's own",
      example: 'int_4mPq0c2Yb8XhV1Lz',
    }),
    url: z.string(),
    types: z.array(z.enum(allChangeTypes)),
    countries: z.array(z.string()),
    categories: z.array(z.string()),
    description: z.string().nullable(),
    signatures: z.array(z.enum(signatureSchemes)).openapi({ description: 'The signature schemes its requests carry' }),
    rateLimit: z.number().int().nullable().openapi({ description: 'Deliveries per second at most, across instances; null: no limit' }),
    enabled: z.boolean(),
    disabledReason: z
      .string()
      .nullable()
      .openapi({ description: 'Why deliveries stopped (operator, 410 Gone, failing for 5 days); null when enabled' }),
    failingSince: dateTime.nullable().openapi({ description: 'Start of the current run of failed deliveries; null when healthy' }),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .openapi('WebhookEndpoint');

export const WebhookEndpointCreatedSchema = WebhookEndpointSchema.extend({
  secret: z.string().openapi({
    description: 'The signing secret (Standard Webhooks). Shown only in this answer: store it now',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  }),
}).openapi('WebhookEndpointCreated');

export const WebhookEndpointListSchema = z.object({ data: z.array(WebhookEndpointSchema) }).openapi('WebhookEndpointList');

export const RotatedSecretSchema = z
  .object({
    secret: z.string().openapi({ description: 'The new signing secret, shown only here. The previous ones keep signing for 24 h' }),
  })
  .openapi('WebhookRotatedSecret');

export const TestResultSchema = z
  .object({
    deliveryId: z.string().openapi({ description: 'The webhook-id of the ping' }),
    ok: z.boolean().openapi({ description: 'True when the receiver answered 2xx' }),
    statusCode: z.number().int().nullable().openapi({ description: "The receiver's status; null when no answer came" }),
    latencyMs: z.number().int(),
    error: z.string().optional().openapi({ description: 'What went wrong: refused URL, connection error, timeout, redirect' }),
  })
  .openapi('WebhookTestResult');

export const AttemptSchema = z
  .object({
    at: dateTime,
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    error: z.string().nullable(),
  })
  .openapi('WebhookAttempt');

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: 'The webhook-id, the same on every attempt', example: 'msg_2Sx8yJ0bZ5m1c9QkQm5pWg' }),
    changeId: z.number().int().nullable(),
    type: z.string().openapi({ example: 'event.updated' }),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: dateTime.nullable().openapi({ description: 'When the next attempt is due; null once delivered or failed' }),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: dateTime,
    deliveredAt: dateTime.nullable(),
    attemptLog: z.array(AttemptSchema).openapi({ description: 'Every attempt, oldest first' }),
  })
  .openapi('WebhookDelivery');

export const DeliveryPageSchema = z
  .object({
    data: z.array(DeliverySchema),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for older deliveries; null on the last page' }),
  })
  .openapi('WebhookDeliveryPage');

export const RetryAcceptedSchema = z
  .object({
    deliveryId: z.string(),
    status: z.literal('pending'),
    nextAttemptAt: dateTime,
  })
  .openapi('WebhookRetryAccepted');

export const ReplayResultSchema = z
  .object({
    queued: z.number().int().openapi({ description: 'Deliveries queued: existing ones re-queued (same webhook-id) plus new ones' }),
  })
  .openapi('WebhookReplayResult');

export type WebhookEndpointCreate = z.input<typeof WebhookEndpointCreateSchema>;
export type WebhookEndpointPatch = z.input<typeof WebhookEndpointPatchSchema>;
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;
export type WebhookEndpointCreated = z.infer<typeof WebhookEndpointCreatedSchema>;
export type WebhookEndpointList = z.infer<typeof WebhookEndpointListSchema>;
export type RotatedSecret = z.infer<typeof RotatedSecretSchema>;
export type TestResult = z.infer<typeof TestResultSchema>;
export type Delivery = z.infer<typeof DeliverySchema>;
export type DeliveryPage = z.infer<typeof DeliveryPageSchema>;
export type RetryAccepted = z.infer<typeof RetryAcceptedSchema>;
export type ReplayResult = z.infer<typeof ReplayResultSchema>;
