/** An event as the `events` table stores it; the contract's parsing and normalising live in alerts/event.ts. */

export interface EventSource {
  name: string;
  url?: string | undefined;
}

export interface EventUpdate {
  text: string;
  date?: string | undefined;
}

/** The fields whose content identifies an event version (everything but the id). */
export interface EventFields {
  country: string;
  month: string;
  title: string;
  body: string;
  categories: string[];
  factors: string[];
  watchFlag: boolean;
  updates: EventUpdate[];
  sources: EventSource[];
  url: string | null;
  /** The report's language when its source gives it: a BCP 47 primary language subtag (`es`). */
  language: string | null;
}

export interface NormalisedEvent extends EventFields {
  id: string;
}
