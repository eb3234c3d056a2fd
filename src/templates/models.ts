/**
 * What the email renderers take (display-ready values: names, not ids) and what they give
 * back. Every string is treated as untrusted text: it is HTML-escaped, and URLs must be
 * http(s) (required links throw `UnsafeUrlError`, optional ones are dropped).
 */

export type Frequency = 'monthly' | 'weekly';

/** A subscriber's choices, as names a reader understands. Empty lists mean "all". */
export interface AlertChoices {
  countries: readonly string[];
  regions: readonly string[];
  categories: readonly string[];
  frequency: Frequency;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** Shared by every email: the name shown as sender brand (default "Democracy Tracker"). */
export interface Branding {
  siteName?: string;
}

export interface ConfirmEmailModel extends Branding {
  recipient: { email: string };
  choices: AlertChoices;
  /** How long the confirm link works, shown to the reader; omit to say nothing. */
  expiresInDays?: number;
  links: { confirm: string; site: string };
}

export interface ManageEmailModel extends Branding {
  recipient: { email: string };
  /** The choices currently stored, shown as a reminder; omit to leave them out. */
  choices?: AlertChoices;
  links: { manage: string; unsubscribe: string; site: string };
}

export type DigestBadge = 'new' | 'updated' | 'watch_flag_raised' | 'watch_flag_lifted';

export interface DigestSource {
  name: string;
  url?: string;
}

export interface DigestItem {
  badge: DigestBadge;
  title: string;
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
  links: {
    manage: string;
    unsubscribe: string;
    viewInBrowser: string;
    site: string;
    /** Where "N more reports on the site" points; default `site`. */
    moreReports?: string;
  };
}

export interface RenderedDigest extends RenderedEmail {
  /** Items in the email, and items left out ("N more"), the composer's plus those cut for size. */
  shownCount: number;
  moreCount: number;
}

export interface DigestRenderOptions {
  /** UTF-8 byte budget of the HTML; Gmail clips at ~102 KB. Default 90,000. */
  maxHtmlBytes?: number;
}
