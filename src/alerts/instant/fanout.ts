import { listChangesAfter } from '../../db/changes';
import { loadEvents } from '../../db/events';
import { listInstantSubscribers, queueInstantItems } from '../../db/instant-alerts';
import { lockConsumerCursor, moveConsumerCursor } from '../../db/webhook-deliveries';
import type { Resources } from '../../resources';
import { planInstantItems } from './plan';

const CURSOR = 'instant-alerts';
const CHANGES_PER_STEP = 500;
/** Watch flags only: country context changes (country.*) are for the digest's section, never an instant alert. */
const FLAG_TYPES = new Set(['event.published', 'event.watch_flag_raised']);

/**
 * The instant-alert consumer of the change log: reads after its cursor, adds each flag-raising
 * change to the pending alert of every instant subscriber it matches, and moves the cursor in
 * the same transaction (locked: one instance at a time). A crash loses nothing; a re-run adds
 * nothing twice.
 */
export async function fanOutWatchFlags(deps: Pick<Resources, 'db' | 'clock' | 'config'>): Promise<{ changes: number; items: number }> {
  const totals = { changes: 0, items: 0 };
  for (;;) {
    const step = await deps.db.transaction().execute(async (trx) => {
      const cursor = await lockConsumerCursor(trx, CURSOR);
      const changes = await listChangesAfter(trx, cursor, CHANGES_PER_STEP);
      if (changes.length === 0) return { changes: 0, items: 0 };
      const candidates = changes.filter((c) => FLAG_TYPES.has(c.type));
      let items = 0;
      if (candidates.length > 0) {
        const events = await loadEvents(trx, [...new Set(candidates.map((c) => c.eventId))]);
        const planned = planInstantItems(candidates, events, await listInstantSubscribers(trx));
        items = await queueInstantItems(trx, {
          items: planned,
          now: deps.clock.now(),
          minIntervalMs: deps.config.instantAlerts.minIntervalMs,
        });
      }
      await moveConsumerCursor(trx, CURSOR, changes.at(-1)!.id);
      return { changes: changes.length, items };
    });
    totals.changes += step.changes;
    totals.items += step.items;
    if (step.changes < CHANGES_PER_STEP) return totals;
  }
}
