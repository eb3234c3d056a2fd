import { type ChangeType, changeTypes } from '../../db/change-types';
import { z } from '../../zod';
import { eventViewSchema } from '../event-view';

/**
 * The bodies the dispatcher sends, as zod schemas: payload.ts builds its messages as these types,
 * and GET /v1/event-types and the OpenAPI `webhooks` section are generated from them.
 */

interface ChangeTypeDetails {
  description: string;
  /** What `data.previous` holds for this type. */
  previous: z.ZodType;
  /** A `previous` for the catalogue's example. */
  examplePrevious: unknown;
}

const changedFields = eventViewSchema
  .omit({ id: true, watchFlag: true, firstSeenAt: true, lastChangedAt: true })
  .partial()
  .describe('The old values of the fields that changed (only those); the new ones are in `event`');

/**
 * Every change type's meaning and `previous`. A type added to db/change-types.ts does not compile
 * until it has an entry here; from then on the catalogue and the OpenAPI document list it.
 */
export const changeTypeDetails = {
  'event.published': {
    description: 'A report the service had not seen before. `previous` is null.',
    previous: z.null().describe('Always null: nothing came before'),
    examplePrevious: null,
  },
  'event.updated': {
    description:
      'A known report whose content changed: title, body, updates, sources, categories, factors, month or link. ' +
      '`previous` holds the old values of the fields that changed; `event` is the report as it is now.',
    previous: changedFields,
    examplePrevious: { body: 'Police raided the home of a humorist.', updates: [] },
  },
  'event.watch_flag_raised': {
    description:
      "The report's watch flag went on: the tracker marks it as a development to watch. Sent beside event.updated " +
      'when other fields changed too.',
    previous: z.object({ watchFlag: z.literal(false) }),
    examplePrevious: { watchFlag: false },
  },
  'event.watch_flag_lifted': {
    description: "The report's watch flag went off. Sent beside event.updated when other fields changed too.",
    previous: z.object({ watchFlag: z.literal(true) }),
    examplePrevious: { watchFlag: true },
  },
} satisfies Record<ChangeType, ChangeTypeDetails>;

const timestamp = z.string().openapi({
  format: 'date-time',
  description: 'When the message was made; the same on every attempt (the webhook-timestamp header is per attempt)',
});

/** `event.watch_flag_raised` -> `EventWatchFlagRaisedMessage`: the message's name in the OpenAPI document. */
export const messageSchemaName = (type: string): string =>
  `${type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}Message`;

/** The body of a webhook request for one change type. */
export function changeMessageSchema(type: ChangeType) {
  return z
    .object({
      type: z.literal(type),
      timestamp,
      data: z.object({
        change: z.object({
          id: z.number().int().openapi({ description: 'The change-log id: increasing, a cursor for GET /v1/changes' }),
          type: z.literal(type),
          detectedAt: z.string().openapi({ format: 'date-time' }),
        }),
        event: eventViewSchema,
        previous: changeTypeDetails[type].previous,
      }),
    })
    .openapi(messageSchemaName(type), { description: changeTypeDetails[type].description });
}

/** Any change message, as the dispatcher builds it (payload.ts). */
const anyChangeMessageSchema = z.object({
  type: z.enum(changeTypes),
  timestamp,
  data: z.object({
    change: z.object({ id: z.number().int(), type: z.enum(changeTypes), detectedAt: z.string() }),
    event: eventViewSchema,
    previous: z.record(z.string(), z.unknown()).nullable(),
  }),
});
export type ChangeMessage = z.output<typeof anyChangeMessageSchema>;

export const pingMessageSchema = z
  .object({ type: z.literal('ping'), timestamp, data: z.object({ endpointId: z.string() }) })
  .openapi('PingMessage', { description: 'Sent by POST /v1/webhooks/{id}/test: recognise it and answer 2xx.' });
export type PingMessage = z.output<typeof pingMessageSchema>;

/** The Standard Webhooks headers of every request (sign.ts writes them). */
export const webhookHeadersSchema = z.object({
  'webhook-id': z.string().openapi({
    description: 'The message id (`msg_...`): the same on every attempt and replay of one delivery; deduplicate on it',
    example: 'msg_2b9Lq0wXKkq6jT1vS5yY3A',
  }),
  'webhook-timestamp': z
    .string()
    .openapi({ description: 'Unix seconds of this attempt; refuse ones far from your clock', example: '1738400400' }),
  'webhook-signature': z.string().openapi({
    description:
      'Space-separated `v1,<base64>` entries: HMAC-SHA256 with the endpoint secret over `<webhook-id>.<webhook-timestamp>.<body>` ' +
      '(one entry per secret that signs; two during a rotation). Verify with any Standard Webhooks library.',
    example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  }),
});
