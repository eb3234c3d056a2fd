import { z } from '@hono/zod-openapi';
import { PreferencesSchema } from '../preferences/schema';

const instant = z.string().datetime().nullable();

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
    openpgp: z.object({
      fingerprint: z.string().nullable(),
      confirmedAt: instant,
      pendingFingerprint: z.string().nullable(),
      pendingSince: instant,
    }),
    digestsSent: z.array(z.object({ period: z.string(), dueAt: z.string().datetime(), sentAt: instant, reports: z.number().int() })),
  })
  .openapi('SubscriberExport');

export const ExportTokenQuerySchema = z.object({
  token: z
    .string()
    .max(2048)
    .openapi({ param: { name: 'token', in: 'query' }, description: 'The token of the export link on the preference centre' }),
});
