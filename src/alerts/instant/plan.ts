import type { ChangeView } from '../../db/changes';
import type { StoredEventView } from '../../db/events';
import type { InstantSubscriber, NewInstantItem } from '../../db/instant-alerts';
import { matchesFilters } from '../match';

/**
 * Does this change raise a watch flag a reader should hear about at once? A flag raised on a
 * published report does, and so does a new report that carries one; either only while the
 * report still carries it (a flag lifted before the alert went out is not news any more).
 */
export function raisesWatchFlag(change: Pick<ChangeView, 'type'>, event: Pick<StoredEventView, 'watchFlag'> | undefined): boolean {
  if (!event?.watchFlag) return false;
  return change.type === 'event.watch_flag_raised' || change.type === 'event.published';
}

/** Pure: one item per (flag-raising change, instant subscriber whose countries and categories it matches). */
export function planInstantItems(
  changes: readonly ChangeView[],
  events: ReadonlyMap<string, StoredEventView>,
  subscribers: readonly InstantSubscriber[],
): NewInstantItem[] {
  const items: NewInstantItem[] = [];
  for (const change of changes) {
    const event = events.get(change.eventId);
    if (!event || !raisesWatchFlag(change, event)) continue;
    for (const s of subscribers)
      if (matchesFilters(event, s)) items.push({ subscriberId: s.id, changeId: change.id, eventId: change.eventId });
  }
  return items;
}
