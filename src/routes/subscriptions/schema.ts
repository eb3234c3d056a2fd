import { z } from '@hono/zod-openapi';
import { isPlausibleEmail } from '../../email/address';
import { preferencesSchema } from '../../subscribers/preferences';

export const SubscriptionRequestSchema = preferencesSchema
  .extend({
    email: z
      .string()
      .trim()
      .max(254)
      .refine((v) => isPlausibleEmail(v), { message: 'is not an email address' })
      .openapi({ example: 'ana@example.org' }),
  })
  .openapi('SubscriptionRequest', {
    example: {
      email: 'ana@example.org',
      countries: ['KAZ'],
      regions: ['Europe'],
      categories: ['rights'],
      frequency: 'monthly',
      timezone: 'Asia/Almaty',
      skipEmpty: false,
      instantAlerts: true,
    },
  });

export const SubscriptionAcceptedSchema = z
  .object({
    status: z.literal('accepted'),
    message: z.string(),
  })
  .openapi('SubscriptionAccepted');

/** The one answer every sign-up gets, whatever state the address is in. */
export const subscriptionAccepted = {
  status: 'accepted' as const,
  message: 'Thank you. If this address can receive alerts, an email is on its way: open it to confirm your choices.',
};

export type SubscriptionRequest = z.input<typeof SubscriptionRequestSchema>;
