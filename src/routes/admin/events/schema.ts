import { z } from '@hono/zod-openapi';
import { eventInputSchema } from '../../../alerts/event';

export const MAX_EVENTS_PER_BATCH = 1000;

export const EventInputSchema = eventInputSchema.openapi('EventInput', {
  example: {
    id: 'kaz-2025-01-satirist-arrest',
    country: 'KAZ',
    month: '2025-01',
    title: "Satirist's arrest signals crackdown on speech",
    body: 'Police raided the Almaty home of humorist Temirlan Yensebek on 17 January ...',
    categories: ['rights'],
    factors: ['rights.civil_liberties'],
    watchFlag: false,
    updates: [],
    sources: [{ name: 'Eurasianet', url: 'https://eurasianet.org/' }],
  },
});

export const IngestRequestSchema = z
  .strictObject({
    events: z.array(EventInputSchema).min(1).max(MAX_EVENTS_PER_BATCH),
  })
  .superRefine((body, ctx) => {
    const seen = new Map<string, number>();
    body.events.forEach((event, index) => {
      const first = seen.get(event.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['events', index, 'id'], message: `repeats the id of events[${first}]` });
      } else seen.set(event.id, index);
    });
  })
  .openapi('IngestRequest');

export const IngestResultSchema = z
  .object({
    received: z.number().int(),
    published: z.number().int().openapi({ description: 'Events seen for the first time' }),
    updated: z.number().int().openapi({ description: 'Known events whose content or watch flag changed' }),
    unchanged: z.number().int(),
    changes: z.number().int().openapi({ description: 'Rows appended to the change log' }),
  })
  .openapi('IngestResult');

export type IngestRequest = z.input<typeof IngestRequestSchema>;
export type IngestResponse = z.infer<typeof IngestResultSchema>;
