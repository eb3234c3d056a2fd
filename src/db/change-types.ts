import type { EventFields } from './event-fields';

export const changeTypes = ['event.published', 'event.updated', 'event.watch_flag_raised', 'event.watch_flag_lifted'] as const;

export type ChangeType = (typeof changeTypes)[number];

/** One change to append to the log. */
export interface ChangeDecision {
  type: ChangeType;
  /** Old values of the fields this change is about; null for a new event. */
  previous: Partial<EventFields> | null;
}
