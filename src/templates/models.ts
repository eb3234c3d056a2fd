/**
 * What the email renderers take (display-ready values: names, not ids) and what they give
 * back. Every string is treated as untrusted text: it is HTML-escaped, and URLs must be
 * http(s) (required links throw `UnsafeUrlError`, optional ones are dropped).
 */

import type { Language } from '../db/database';
import type { AlertChoices, Branding } from '../db/digest-model';

// The digest's model is what `digests.model` records: db/ declares it, the renderers take it.
export type {
  AlertChoices,
  Branding,
  DigestBadge,
  DigestContextChange,
  DigestCountry,
  DigestItem,
  DigestModel,
  DigestSource,
  Frequency,
} from '../db/digest-model';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface ConfirmEmailModel extends Branding {
  /** The reader's language (English when left out); `choices` hold names in it. */
  language?: Language;
  recipient: { email: string };
  choices: AlertChoices;
  /** How long the confirm link works, shown to the reader; omit to say nothing. */
  expiresInDays?: number;
  /** When the first digest arrives if the reader confirms now, and the days it covers; omit to say nothing. */
  firstDigest?: { arrives: string; covers: string };
  links: { confirm: string; site: string };
}

export interface ManageEmailModel extends Branding {
  language?: Language;
  recipient: { email: string };
  /** The choices currently stored, shown as a reminder; omit to leave them out. */
  choices?: AlertChoices;
  links: { manage: string; unsubscribe: string; site: string };
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
