/** Pieces of the Mustache views every email shares: header, footer links, brand. */
import { type Language, messagesFor } from '../i18n';
import { DEFAULT_SITE_NAME, oneLine } from './format';
import type { Branding } from './models';

export interface HeaderView {
  kicker: string;
  title: string;
  /** false hides the line. */
  subtitle: string | false;
}

export interface LinkView {
  first: boolean;
  label: string;
  url: string;
}

export interface FooterView {
  why: string;
  links: LinkView[];
}

export function siteNameOf(model: Branding): string {
  return oneLine(model.siteName) || DEFAULT_SITE_NAME;
}

export function linkList(links: readonly { label: string; url: string }[]): LinkView[] {
  return links.map((link, index) => ({ first: index === 0, label: link.label, url: link.url }));
}

/** What every template reads whatever its kind: the `lang` of the HTML and the shared words (choices box, footer). */
export interface LanguageView {
  lang: Language;
  common: { noTracking: string; places: string; categories: string; frequency: string };
}

export function languageView(language: Language = 'en'): LanguageView {
  const t = messagesFor(language).email;
  return {
    lang: language,
    common: { noTracking: t.noTracking, places: t.places, categories: t.categories, frequency: t.frequency },
  };
}
