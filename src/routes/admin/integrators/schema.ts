import { z } from '@hono/zod-openapi';
import type { ApiKeyRow, IntegratorRow } from '../../../db/integrators';

const dateTime = z.string().openapi({ format: 'date-time' });
const DAY_SECONDS = 24 * 3600;

export const IntegratorCreateSchema = z
  .strictObject({ name: z.string().trim().min(1).max(200).openapi({ example: 'Newsroom data desk' }) })
  .openapi('IntegratorCreate');

export const IntegratorParamsSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'int_4mPq0c2Yb8XhV1Lz' }),
});

export const ApiKeyParamsSchema = IntegratorParamsSchema.extend({
  keyId: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'keyId', in: 'path' }, example: 'key_Xb8XhV1Lz4mPq0c2' }),
});

export const KeyRotateSchema = z
  .strictObject({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * DAY_SECONDS)
      .default(DAY_SECONDS)
      .openapi({ description: 'How long the rotated key keeps working beside the new one (default a day; 0 ends it now)' }),
  })
  .openapi('ApiKeyRotate');

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_Xb8XhV1Lz4mPq0c2' }),
    prefix: z.string().openapi({ description: "The key's first characters, to recognise it", example: 'tak_Q2x9LmZ0' }),
    state: z.enum(['active', 'expiring', 'expired', 'revoked']),
    createdAt: dateTime,
    expiresAt: dateTime.nullable().openapi({ description: 'Set by a rotation: the key works until then' }),
    revokedAt: dateTime.nullable(),
    lastUsedAt: dateTime.nullable().openapi({ description: 'Last request made with it (to the minute)' }),
  })
  .openapi('ApiKey');

export const NewApiKeySchema = z
  .object({
    id: z.string(),
    prefix: z.string(),
    key: z.string().openapi({
      description: 'The API key: shown only in this answer, store it now. Send it as Authorization: Bearer <key>',
      example: 'tak_Q2x9LmZ0dXJ0bGVzLWFsbC10aGUtd2F5LWRvd24tMDEyMzQ1',
    }),
  })
  .openapi('NewApiKey');

export const IntegratorSchema = z
  .object({
    id: z.string().openapi({ example: 'int_4mPq0c2Yb8XhV1Lz' }),
    name: z.string(),
    createdAt: dateTime,
    keys: z.array(ApiKeySchema),
  })
  .openapi('Integrator');

export const IntegratorCreatedSchema = IntegratorSchema.extend({ key: NewApiKeySchema }).openapi('IntegratorCreated');
export const IntegratorListSchema = z.object({ data: z.array(IntegratorSchema) }).openapi('IntegratorList');
export const KeyRotatedSchema = z
  .object({ key: NewApiKeySchema, rotated: ApiKeySchema })
  .openapi('ApiKeyRotated', { description: 'The new key, and the rotated one with the time it stops working' });

export type Integrator = z.infer<typeof IntegratorSchema>;
export type IntegratorList = z.infer<typeof IntegratorListSchema>;
export type IntegratorCreated = z.infer<typeof IntegratorCreatedSchema>;
export type KeyRotated = z.infer<typeof KeyRotatedSchema>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function keyView(key: ApiKeyRow, now: Date): z.infer<typeof ApiKeySchema> {
  const state = key.revoked_at ? 'revoked' : !key.expires_at ? 'active' : key.expires_at > now ? 'expiring' : 'expired';
  return {
    id: key.id,
    prefix: key.prefix,
    state,
    createdAt: key.created_at.toISOString(),
    expiresAt: iso(key.expires_at),
    revokedAt: iso(key.revoked_at),
    lastUsedAt: iso(key.last_used_at),
  };
}

export function integratorView(row: IntegratorRow, keys: readonly ApiKeyRow[], now: Date): Integrator {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    keys: keys.filter((k) => k.integrator_id === row.id).map((k) => keyView(k, now)),
  };
}
