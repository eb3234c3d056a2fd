import type { EventInput } from '../src/alerts/event';

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
