/**
 * A digest's model: what the digest email renders, and what `digests.model` records (with each
 * report line replaced by its reference into `digest_items`, see db/digest-items.ts) so that a
 * retry or the web version renders the very model first sent. Display-ready values: names, not ids.
 */

export type Frequency = 'monthly' | 'weekly';

/** The languages subscribers read pages and emails in (src/i18n has a catalogue for each). */
export const languages = ['en', 'es', 'fr'] as const;
export type Language = (typeof languages)[number];

/** A subscriber's choices, as names a reader understands. Empty lists mean "all". */
export interface AlertChoices {
  countries: readonly string[];
  regions: readonly string[];
  categories: readonly string[];
  frequency: Frequency;
}

/** Shared by every email: the name shown as sender brand (default "Democracy Tracker"). */
export interface Branding {
  siteName?: string;
}

export type DigestBadge = 'new' | 'updated' | 'watch_flag_raised' | 'watch_flag_lifted';

export interface DigestSource {
  name: string;
  url?: string;
}

export interface DigestItem {
  badge: DigestBadge;
  title: string;
  /**
   * The report carries a watch flag now, whatever the badge says (a new report can be
   * published flagged). Recorded before this existed: only a "watch flag raised" badge says so.
   */
  watchFlag?: boolean;
  /** The day an instant watch-flag alert told this reader about the report ("4 December 2026"), shown as "Alerted on ...". */
  alertedOn?: string;
  /** Link to the event report on the site. */
  url: string;
  /** The report's month, `YYYY-MM` (shown as "January 2025") or already display text. */
  month: string;
  /** Category (and factor) names, e.g. ["Rights", "Civil Liberties"]. */
  categories: readonly string[];
  /** A short excerpt of the body (cut to ~300 characters at a word boundary if longer). */
  excerpt: string;
  /** For updates: the "Update:" text. */
  updateText?: string;
  /** For updates: what changed, as field keys (title, body, sources, ...) or display names. */
  changedFields?: readonly string[];
  sources: readonly DigestSource[];
  /** The report's language as its source gives it (BCP 47 primary subtag); shown when it is not the reader's. */
  language?: string;
}

export interface DigestCountry {
  /** ISO 3166-1 alpha-3 code, e.g. "KAZ". */
  id: string;
  name: string;
  items: readonly DigestItem[];
}

/** One line of the digest's "Country context" section: a change of a followed country's page. */
export interface DigestContextChange {
  /** The country's name. */
  country: string;
  /** The change type (`country.ranking_changed`...): the renderer words it. */
  type: string;
  /** Each field that changed, as the page writes it (null: not on the page then). */
  changed: readonly { field: string; old: string | null; new: string | null }[];
  /** When the page was read (ISO 8601), shown as a day in the period's time zone. */
  readAt: string;
  /** The country page. */
  url?: string;
}

export interface DigestModel extends Branding {
  period: {
    /** Shown as the headline, e.g. "January 2025" or "Week of 3 March 2025". */
    label: string;
    /** ISO 8601 instants; `start` inclusive, `end` exclusive. */
    start: string;
    end: string;
    /** IANA zone the period was computed in (the subscriber's); default UTC. */
    timeZone?: string;
  };
  recipient: { email: string; choices: AlertChoices };
  /** Grouped by country, in display order; items newest first. */
  countries: readonly DigestCountry[];
  /** Reports the composer already left out; the renderer adds those it cuts for size. */
  moreCount: number;
  /** The subscriber chose subjects and previews that name no country or topic. */
  neutralSubjects?: boolean;
  /**
   * The reader's language: the renderer words the digest in it, and names countries, months and
   * categories in it (the model keeps English names). Absent: English (digests recorded before).
   */
  language?: Language;
  /** The "Country context" section, for readers who chose it (none before migration 0019). */
  countryContext?: readonly DigestContextChange[];
  /** Country context changes left out of a long section. */
  countryContextMore?: number;
  links: {
    manage: string;
    unsubscribe: string;
    viewInBrowser: string;
    site: string;
    /** Where "N more reports on the site" points; default `site`. */
    moreReports?: string;
    /** The Atom feed of the reader's selection (recorded before it existed: none). */
    feed?: string;
  };
}

/** The model as stored in `digests.model`: reports replaced by their references (inline reports, as recorded before 0010, stay). */
export type RecordedModel = Omit<DigestModel, 'countries'> & {
  countries: { id: string; name: string; items: (string | DigestItem)[] }[];
};
