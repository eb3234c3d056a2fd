import { z } from '@hono/zod-openapi';
import { PreferencesSchema } from '../preferences/schema';

const instant = z.string().datetime().nullable();

export const KeyStatusSchema = z
  .object({
    fingerprint: z.string().nullable().openapi({ description: 'The key every email is encrypted to; null: none' }),
    confirmedAt: instant,
    pendingFingerprint: z.string().nullable().openapi({ description: 'A key waiting for the link of its encrypted confirmation' }),
    pendingSince: instant,
  })
  .openapi('OpenpgpKeyStatus');

export const OpenpgpKeyRequestSchema = z
  .strictObject({
    // Longer than the checker's cap, so that an oversized key gets its own clear refusal.
    publicKey: z
      .string()
      .min(1)
      .max(1_000_000)
      .openapi({ description: 'An armoured OpenPGP public key (gpg --armor --export you@example.org)' }),
  })
  .openapi('OpenpgpKeyRequest');

export const SubscriberExportSchema = z
  .object({
    exportedAt: z.string().datetime(),
    email: z.string(),
    status: z.enum(['pending', 'confirmed']),
    createdAt: instant,
    updatedAt: instant,
    confirmedAt: instant,
    choices: PreferencesSchema,
    language: z.string(),
    consent: z.object({ source: z.string(), at: instant }).openapi({ description: 'When consent was given, and from which form' }),
    openpgp: KeyStatusSchema,
    instantAlertsLastSentAt: instant,
    digestsSent: z.array(z.object({ period: z.string(), dueAt: z.string().datetime(), sentAt: instant, reports: z.number().int() })),
    instantAlertsSent: z.array(z.object({ sentAt: instant })),
  })
  .openapi('SubscriberExport');

export const ExportTokenQuerySchema = z.object({
  token: z
    .string()
    .max(2048)
    .openapi({ param: { name: 'token', in: 'query' }, description: 'The token of the export link on the preference centre' }),
});
