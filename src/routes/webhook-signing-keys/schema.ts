import { z } from '@hono/zod-openapi';

export const PublishedKeySchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    alg: z.literal('EdDSA'),
    use: z.literal('sig'),
    kid: z.string().openapi({ example: 'whk_Yb8XhV1Lz4mPq0c2' }),
    x: z
      .string()
      .openapi({ description: 'The raw public key, base64url (RFC 8037)', example: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }),
    whpk: z.string().openapi({
      description: 'The same key as Standard Webhooks libraries take it',
      example: 'whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=',
    }),
    retiresAt: z
      .string()
      .optional()
      .openapi({ format: 'date-time', description: 'A rotated key signs (beside the new one) until then; absent for the current key' }),
  })
  .openapi('WebhookSigningKey');

export const KeySetSchema = z
  .object({ keys: z.array(PublishedKeySchema).openapi({ description: 'Current key first' }) })
  .openapi('WebhookSigningKeySet');

export const SigningKeyRotateSchema = z
  .strictObject({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3600)
      .default(24 * 3600)
      .openapi({ description: 'How long the old key keeps signing beside the new one (default a day)' }),
  })
  .openapi('WebhookSigningKeyRotate');

export type KeySet = z.infer<typeof KeySetSchema>;
