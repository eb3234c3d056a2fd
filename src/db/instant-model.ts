import type { Branding, Language } from './digest-model';

/** One flagged report in an instant alert: display-ready values, as recorded. */
export interface InstantAlertItem {
  /** `published`: a new report that carries a flag; `raised`: a flag raised on a report already published. */
  kind: 'published' | 'raised';
  country: string;
  /** "January 2025". */
  month: string;
  title: string;
  /** The tracker's report, when the source gave one. */
  url: string | null;
  /** ISO time the change was detected. */
  detectedAt: string;
  /** The report's language as its source gives it (BCP 47 primary subtag); shown when it is not the reader's. */
  language?: string;
}

/**
 * What an instant alert says, recorded with it (`instant_alerts.model`) before it is sent: the
 * email is a pure function of this, so a resend after a crash is byte for byte the same.
 */
export interface InstantAlertModel extends Branding {
  recipient: { email: string };
  items: InstantAlertItem[];
  /** Links signed when the alert was recorded. */
  links: { manage: string; unsubscribe: string; site: string };
  /** The subscriber chose subjects and previews that name no country or report. */
  neutralSubjects?: boolean;
  /** The language it is written in (English when absent: alerts recorded before languages). */
  language?: Language;
}
