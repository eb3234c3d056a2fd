import { OpenAPIHono } from '@hono/zod-openapi';
import { allChangeTypes, isCountryChangeType } from '../../db/change-types';
import type { StoredEventView } from '../../db/events';
import { changeMessageSchema, changeTypeDetails, countryChangeTypeDetails, describeChangeType, messageSchemaName } from './messages';
import { changeBody, countryChangeBody } from './payload';

export interface EventTypeEntry {
  type: string;
  description: string;
  /** JSON Schema (draft 2020-12) of the request body. */
  schema: Record<string, unknown>;
  /** A body as the dispatcher writes it. */
  example: Record<string, unknown>;
}

const exampleEvent: StoredEventView = {
  id: 'kaz-2025-01-satirist-arrest',
  country: 'KAZ',
  month: '2025-01',
  title: "Satirist's arrest signals crackdown on speech",
  body: 'Police raided the home of a humorist on 17 January and detained him for two days.',
  categories: ['rights'],
  factors: ['rights.civil_liberties'],
  watchFlag: true,
  updates: [{ text: 'He was released on 19 January; the case is still open.' }],
  sources: [{ name: 'Eurasianet', url: 'https://eurasianet.org/' }],
  url: 'https://www.idea.int/democracytracker/report/kazakhstan/january-2025',
  language: null,
  firstSeenAt: '2025-01-20T08:00:00.000Z',
  lastChangedAt: '2025-02-01T08:59:58.000Z',
};
const exampleTime = new Date('2025-02-01T09:00:00.000Z');

/**
 * Every change type with the JSON Schema of its webhook body and an example, both generated: the
 * schema from the dispatcher's zod schema, the example by the dispatcher's own serialiser.
 */
export function eventTypeCatalogue(): EventTypeEntry[] {
  return allChangeTypes.map((type, index) => {
    const common = { id: 4200 + index, detectedAt: '2025-02-01T08:59:58.000Z' };
    let body: string;
    if (isCountryChangeType(type)) {
      const { exampleChanged } = countryChangeTypeDetails[type];
      const sourceUrl = 'https://www.idea.int/democracytracker/country/kazakhstan';
      body = countryChangeBody({ ...common, type, countryId: 'KAZ', changed: exampleChanged, sourceUrl }, exampleTime);
    } else {
      const previous = changeTypeDetails[type].examplePrevious as Record<string, unknown> | null;
      const event = { ...exampleEvent, watchFlag: type !== 'event.watch_flag_lifted' };
      body = changeBody({ ...common, type, eventId: exampleEvent.id, previous }, event, exampleTime);
    }
    return {
      type,
      description: describeChangeType(type),
      schema: standaloneJsonSchema(messageSchemaName(type), changeMessageSchema(type)),
      example: JSON.parse(body),
    };
  });
}

/**
 * A zod schema as one JSON Schema document, made by the generator of the OpenAPI document (so both
 * say the same): the named schemas it refers to go under `$defs`.
 */
function standaloneJsonSchema(name: string, schema: Parameters<OpenAPIHono['openAPIRegistry']['register']>[1]) {
  const generator = new OpenAPIHono();
  generator.openAPIRegistry.register(name, schema);
  const document = generator.getOpenAPI31Document({ openapi: '3.1.0', info: { title: name, version: '1' } });
  const schemas = JSON.parse(JSON.stringify(document.components?.schemas ?? {}).replaceAll('"#/components/schemas/', '"#/$defs/'));
  const { [name]: root, ...defs } = schemas as Record<string, Record<string, unknown>>;
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...root, $defs: defs };
}
