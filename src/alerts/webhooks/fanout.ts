import { type ChangeView, isCountryChange, type LogChange, listLogChangesAfter } from '../../db/changes';
import type { StoredEventView } from '../../db/events';
import { loadEvents } from '../../db/events';
import {
  insertChangePayloads,
  insertDeliveries,
  lockConsumerCursor,
  moveConsumerCursor,
  type NewDelivery,
} from '../../db/webhook-deliveries';
import { type EndpointRow, listEnabledEndpoints } from '../../db/webhook-endpoints';
import type { Resources } from '../../resources';
import { countryChangeMatches } from '../country-change-view';
import { matchesFilters } from '../match';
import { changeBody, countryChangeBody, newDeliveryId } from './payload';

const CURSOR = 'webhook-fanout';
const CHANGES_PER_STEP = 250;

/** Does an endpoint want this change? Empty filters mean all. */
export function endpointWants(
  endpoint: Pick<EndpointRow, 'types' | 'countries' | 'categories'>,
  change: ChangeView,
  event: StoredEventView,
): boolean {
  if (endpoint.types.length > 0 && !endpoint.types.includes(change.type)) return false;
  return matchesFilters(event, { countries: endpoint.countries, regions: [], categories: endpoint.categories });
}

/**
 * Does an endpoint want a change of the log, and with which body? Undefined when it does not (or
 * when an event change's event is not loaded). A country change matches by its country and, for
 * rankings and trends, its category.
 */
export function endpointWantsLogChange(
  endpoint: Pick<EndpointRow, 'types' | 'countries' | 'categories'>,
  change: LogChange,
  events: ReadonlyMap<string, StoredEventView>,
): boolean {
  if (!isCountryChange(change)) {
    const event = events.get(change.eventId);
    return event !== undefined && endpointWants(endpoint, change, event);
  }
  if (endpoint.types.length > 0 && !endpoint.types.includes(change.type)) return false;
  return countryChangeMatches(change, { countries: endpoint.countries, regions: [], categories: endpoint.categories });
}

/** The webhook body of a change of the log (its event loaded when it is an event's). */
export const logChangeBody = (change: LogChange, events: ReadonlyMap<string, StoredEventView>, now: Date): string =>
  isCountryChange(change) ? countryChangeBody(change, now) : changeBody(change, events.get(change.eventId)!, now);

/** The events the event changes among these name. */
export const eventIdsOf = (changes: readonly LogChange[]): string[] => [
  ...new Set(changes.flatMap((c) => (isCountryChange(c) ? [] : [c.eventId]))),
];

/** Pure: one delivery per (change, enabled endpoint that wants it), and one body per change that has any. */
export function planDeliveries(
  changes: readonly LogChange[],
  events: ReadonlyMap<string, StoredEventView>,
  endpoints: readonly EndpointRow[],
  now: Date,
): { payloads: { changeId: number; body: string }[]; deliveries: NewDelivery[] } {
  const payloads: { changeId: number; body: string }[] = [];
  const deliveries: NewDelivery[] = [];
  for (const change of changes) {
    const wanting = endpoints.filter((endpoint) => endpointWantsLogChange(endpoint, change, events));
    if (wanting.length === 0) continue;
    payloads.push({ changeId: change.id, body: logChangeBody(change, events, now) });
    for (const endpoint of wanting)
      deliveries.push({ id: newDeliveryId(), endpointId: endpoint.id, changeId: change.id, type: change.type, payload: null });
  }
  return { payloads, deliveries };
}

/**
 * The fan-out consumer: reads the change log after its cursor and queues deliveries, the
 * cursor moving in the same transaction (locked, so one instance at a time). A crash loses
 * nothing and a re-run queues nothing twice. `onQueued` runs after each step that queued
 * deliveries commits, so a dispatcher starts on them while the next step is still fanned out.
 */
export async function fanOutChanges(
  deps: Pick<Resources, 'db' | 'clock'>,
  options: { onQueued?: () => void } = {},
): Promise<{ changes: number; deliveries: number }> {
  let totals = { changes: 0, deliveries: 0 };
  for (;;) {
    const step = await deps.db.transaction().execute(async (trx) => {
      const cursor = await lockConsumerCursor(trx, CURSOR);
      const changes = await listLogChangesAfter(trx, cursor, CHANGES_PER_STEP);
      if (changes.length === 0) return { changes: 0, deliveries: 0 };
      const now = deps.clock.now();
      const events = await loadEvents(trx, eventIdsOf(changes));
      const { payloads, deliveries } = planDeliveries(changes, events, await listEnabledEndpoints(trx), now);
      await insertChangePayloads(trx, payloads);
      const inserted = await insertDeliveries(trx, deliveries, now);
      await moveConsumerCursor(trx, CURSOR, changes.at(-1)!.id);
      return { changes: changes.length, deliveries: inserted };
    });
    totals = { changes: totals.changes + step.changes, deliveries: totals.deliveries + step.deliveries };
    if (step.deliveries > 0) options.onQueued?.();
    if (step.changes < CHANGES_PER_STEP) return totals;
  }
}
