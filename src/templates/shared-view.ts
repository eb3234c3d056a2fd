/** Pieces of the Mustache views every email shares: header, footer links, brand. */
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
