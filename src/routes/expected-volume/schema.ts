import { z } from '@hono/zod-openapi';

export const ExpectedVolumeSchema = z
  .object({
    months: z.number().int().openapi({ description: 'How many months the estimate looks back' }),
    since: z.string().openapi({ description: 'Start of the period looked at (ISO 8601)' }),
    reports: z.number().int().openapi({ description: 'Reports published or changed in these choices' }),
    countryChanges: z.number().int().openapi({
      description:
        'Country context changes (Basic Information, treaties, rankings, 6-month trends) of the chosen places, in the digests’ "Country context" section; 0 when country context is not chosen',
    }),
    digests: z
      .number()
      .int()
      .openapi({ description: 'Digest emails (every period, or only periods with news when empty ones are skipped)' }),
    instantAlerts: z
      .number()
      .int()
      .openapi({ description: 'Instant watch-flag alerts, at most one per INSTANT_ALERT_MIN_INTERVAL; 0 when not chosen' }),
    emails: z.number().int().openapi({ description: 'Digests and instant alerts together' }),
  })
  .openapi('ExpectedVolume', {
    example: { months: 6, since: '2025-08-01T09:00:00.000Z', reports: 41, countryChanges: 4, digests: 6, instantAlerts: 3, emails: 9 },
  });
