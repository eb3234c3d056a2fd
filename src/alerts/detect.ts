import type { ChangeDecision } from '../db/change-types';
import type { EventFields, NormalisedEvent } from '../db/event-fields';
import { canonicalJson, contentHash, eventFieldNames } from './event';

/** What the database holds for an event; `fields` is needed only when the hash differs. */
export interface StoredEvent {
  hash: string;
  fields?: EventFields;
}

export interface EventDecision {
  event: NormalisedEvent;
  hash: string;
  action: 'publish' | 'update' | 'unchanged';
  changes: ChangeDecision[];
}

export interface HashedEvent {
  event: NormalisedEvent;
  hash: string;
}

export const hashEvents = (events: readonly NormalisedEvent[]): HashedEvent[] =>
  events.map((event) => ({ event, hash: contentHash(event) }));

const sameValue = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/**
 * Pure detection: stored state + incoming events -> what to write. An id seen twice in one
 * batch is compared with its own earlier occurrence, as if the events arrived one by one.
 */
export function detectChanges(stored: ReadonlyMap<string, StoredEvent>, incoming: readonly HashedEvent[]): EventDecision[] {
  const current = new Map(stored);
  return incoming.map(({ event, hash }) => {
    const before = current.get(event.id);
    current.set(event.id, { hash, fields: event });
    if (!before) {
      return { event, hash, action: 'publish', changes: [{ type: 'event.published', previous: null }] };
    }
    if (before.hash === hash) return { event, hash, action: 'unchanged', changes: [] };
    if (!before.fields) throw new Error(`detectChanges: stored fields of ${event.id} are needed to compare`);
    return { event, hash, action: 'update', changes: describeUpdate(before.fields, event) };
  });
}

function describeUpdate(before: EventFields, after: EventFields): ChangeDecision[] {
  const changes: ChangeDecision[] = [];
  const previous: Partial<Record<keyof EventFields, unknown>> = {};
  for (const name of eventFieldNames) {
    if (name !== 'watchFlag' && !sameValue(before[name], after[name])) previous[name] = before[name];
  }
  // A language alone (a source that starts giving one, or corrects it) is no news for readers:
  // the event is stored with it, and no change is appended.
  const changed = Object.keys(previous);
  if (changed.length > 0 && !(changed.length === 1 && changed[0] === 'language')) {
    changes.push({ type: 'event.updated', previous: previous as Partial<EventFields> });
  }
  if (before.watchFlag !== after.watchFlag) {
    changes.push({
      type: after.watchFlag ? 'event.watch_flag_raised' : 'event.watch_flag_lifted',
      previous: { watchFlag: before.watchFlag },
    });
  }
  return changes;
}
