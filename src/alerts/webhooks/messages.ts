import {
  type AnyChangeType,
  type ChangeType,
  type CountryChangeType,
  changeTypes,
  countryChangeTypes,
  isCountryChangeType,
} from '../../db/change-types';
import type { ChangedValues } from '../../db/changes';
import { z } from '../../zod';
import { changedValuesSchema, countryViewSchema } from '../country-change-view';
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

const pageWording = 'Values are as the country page writes them; the first reading of a country records it without a change.';

/** Every country context change type's meaning and an example of `changed`. */
export const countryChangeTypeDetails = {
  'country.facts_changed': {
    description: `Basic Information on a country page changed (population, system of government, head of state or government and their party, electoral system, women in each chamber, last legislative election, latest UPR). One message per page read, \`changed\` holding every field that changed. ${pageWording}`,
    exampleChanged: {
      'Head of government': { old: 'Prime Minister Oljas Bektenov (since 2024)', new: 'Prime Minister Serik Zhumangarin (since 2025)' },
    },
  },
  'country.treaty_status_changed': {
    description: `A human-rights or ILO treaty's status for the country changed (State Party, Signatory, No Action). One message per treaty. ${pageWording}`,
    exampleChanged: {
      'International Convention for the Protection of All Persons from Enforced Disappearance': { old: 'No Action', new: 'Signatory' },
    },
  },
  'country.ranking_changed': {
    description: `The country's global ranking in a category (Representation, Rights, Rule of Law, Participation) moved, as "rank/out of". One message per category. ${pageWording}`,
    exampleChanged: { Rights: { old: '107/173', new: '101/173' } },
  },
  'country.performance_changed': {
    description: `The 6-month performance trend the page states for a category changed (for example neutral to negative). One message per category. ${pageWording}`,
    exampleChanged: { Rights: { old: 'neutral', new: 'negative' } },
  },
} satisfies Record<CountryChangeType, { description: string; exampleChanged: ChangedValues }>;

export const describeChangeType = (type: AnyChangeType): string =>
  isCountryChangeType(type) ? countryChangeTypeDetails[type].description : changeTypeDetails[type].description;

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

const changeSchema = <T extends AnyChangeType>(type: T | z.ZodType<T>) =>
  z.object({
    id: z.number().int().openapi({ description: 'The change-log id: increasing, a cursor for GET /v1/changes' }),
    type: typeof type === 'string' ? z.literal(type) : type,
    detectedAt: z
      .string()
      .openapi({ format: 'date-time', description: 'When the change was detected (for a country: the day its page was read)' }),
  });

/** The body of a webhook request for one change type. */
export function changeMessageSchema(type: AnyChangeType) {
  return isCountryChangeType(type) ? countryChangeMessageSchema(type) : eventChangeMessageSchema(type);
}

function countryChangeMessageSchema(type: CountryChangeType) {
  return z
    .object({
      type: z.literal(type),
      timestamp,
      data: z.object({ change: changeSchema(type), country: countryViewSchema, changed: changedValuesSchema }),
    })
    .openapi(messageSchemaName(type), { description: countryChangeTypeDetails[type].description });
}

function eventChangeMessageSchema(type: ChangeType) {
  return z
    .object({
      type: z.literal(type),
      timestamp,
      data: z.object({
        change: changeSchema(type),
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

const anyCountryChangeMessageSchema = z.object({
  type: z.enum(countryChangeTypes),
  timestamp,
  data: z.object({ change: changeSchema(z.enum(countryChangeTypes)), country: countryViewSchema, changed: changedValuesSchema }),
});
export type CountryChangeMessage = z.output<typeof anyCountryChangeMessageSchema>;

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
