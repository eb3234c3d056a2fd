import { z } from '../zod';

/** An event in its current state, as the read API shows it and every webhook message carries it. */
export const eventViewSchema = z
  .object({
    id: z.string().openapi({ example: 'kaz-2025-01-satirist-arrest' }),
    country: z.string().openapi({ description: 'ISO 3166-1 alpha-3', example: 'KAZ' }),
    month: z.string().openapi({ example: '2025-01' }),
    title: z.string(),
    body: z.string(),
    categories: z.array(z.string()).openapi({ example: ['rights'] }),
    factors: z.array(z.string()).openapi({ example: ['rights.civil_liberties'] }),
    watchFlag: z.boolean(),
    updates: z.array(z.object({ text: z.string(), date: z.string().optional() })),
    sources: z.array(z.object({ name: z.string(), url: z.string().optional() })),
    url: z.string().nullable(),
    language: z
      .string()
      .nullable()
      .openapi({ description: "The report's language (BCP 47 primary subtag) when its source gives it", example: 'es' }),
    firstSeenAt: z.string().openapi({ format: 'date-time' }),
    lastChangedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Event');

export type EventView = z.infer<typeof eventViewSchema>;
