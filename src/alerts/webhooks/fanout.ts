import type { ChangeView } from '../../db/changes';
import { listChangesAfter } from '../../db/changes';
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
import { matchesFilters } from '../match';
import { changeBody, newDeliveryId } from './payload';

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

/** Pure: one delivery per (change, enabled endpoint that wants it), and one body per change that has any. */
export function planDeliveries(
  changes: readonly ChangeView[],
  events: ReadonlyMap<string, StoredEventView>,
  endpoints: readonly EndpointRow[],
  now: Date,
): { payloads: { changeId: number; body: string }[]; deliveries: NewDelivery[] } {
  const payloads: { changeId: number; body: string }[] = [];
  const deliveries: NewDelivery[] = [];
  for (const change of changes) {
    const event = events.get(change.eventId);
    if (!event) continue;
    const wanting = endpoints.filter((endpoint) => endpointWants(endpoint, change, event));
    if (wanting.length === 0) continue;
    payloads.push({ changeId: change.id, body: changeBody(change, event, now) });
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
      const changes = await listChangesAfter(trx, cursor, CHANGES_PER_STEP);
      if (changes.length === 0) return { changes: 0, deliveries: 0 };
      const now = deps.clock.now();
      const events = await loadEvents(trx, [...new Set(changes.map((c) => c.eventId))]);
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
