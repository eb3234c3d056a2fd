/**
 * A digest's model: what the digest email renders, and what `digests.model` records (with each
 * report line replaced by its reference into `digest_items`, see db/digest-items.ts) so that a
 * retry or the web version renders the very model first sent. Display-ready values: names, not ids.
 */

export type Frequency = 'monthly' | 'weekly';

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
}

export interface DigestCountry {
  /** ISO 3166-1 alpha-3 code, e.g. "KAZ". */
  id: string;
  name: string;
  items: readonly DigestItem[];
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
