import { type EventInput, eventInputSchema, normaliseEvent } from '../src/alerts/event';
import { type IngestDeps, ingestEvents } from '../src/alerts/ingest';

let counter = 0;

/** A valid contract event with a unique id; override any field. */
export function sampleEvent(overrides: Partial<EventInput> = {}): EventInput {
  counter += 1;
  return {
    id: `test-${process.pid}-${Date.now().toString(36)}-${counter}`,
    country: 'KAZ',
    month: '2025-01',
    title: `Sample event ${counter}`,
    body: 'Police raided the home of a humorist on 17 January.',
    categories: ['rights'],
    factors: ['rights.civil_liberties'],
    watchFlag: false,
    updates: [],
    sources: [{ name: 'Eurasianet', url: 'https://eurasianet.org/' }],
    ...overrides,
  };
}

/** A contract event as ingestion stores it: zod parse, then `normaliseEvent`. */
export const normalised = (event: EventInput) => normaliseEvent(eventInputSchema.parse(event));

/** Contract events through the real ingest path (zod parse, normalise, `ingestEvents`), `batch` at a time (by default all in one call). */
export async function ingestInputs(deps: IngestDeps, events: readonly EventInput[], batch = Math.max(1, events.length)) {
  for (let i = 0; i < events.length; i += batch) await ingestEvents(deps, events.slice(i, i + batch).map(normalised));
}
