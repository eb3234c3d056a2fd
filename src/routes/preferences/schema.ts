import { z } from '@hono/zod-openapi';
import { languages } from '../../db/database';
import { frequencies, preferencesSchema } from '../../subscribers/preferences';

export const PreferencesSchema = preferencesSchema.openapi('Preferences');

export const SubscriberPreferencesSchema = z
  .object({
    email: z.string(),
    status: z.enum(['pending', 'confirmed']),
    preferences: z.object({
      countries: z.array(z.string()),
      regions: z.array(z.string()),
      categories: z.array(z.string()),
      frequency: z.enum(frequencies),
      timezone: z.string(),
      skipEmpty: z.boolean(),
      instantAlerts: z.boolean(),
      neutralSubjects: z.boolean(),
      countryContext: z.boolean(),
      language: z.enum(languages).openapi({ description: 'The language of pages and emails' }),
    }),
    openpgp: z.object({ fingerprint: z.string().nullable(), pendingFingerprint: z.string().nullable() }).openapi({
      description: 'The OpenPGP key emails are encrypted to, and one waiting for confirmation (PUT /v1/preferences/openpgp-key)',
    }),
    exportUrl: z.string().url().openapi({ description: 'Downloads everything stored about you as JSON; works for an hour' }),
  })
  .openapi('SubscriberPreferences');

export const TokenQuerySchema = z.object({
  token: z
    .string()
    .max(2048)
    .openapi({ param: { name: 'token', in: 'query' }, description: 'The token of the manage link in any email' }),
});

export type SubscriberPreferences = z.infer<typeof SubscriberPreferencesSchema>;
