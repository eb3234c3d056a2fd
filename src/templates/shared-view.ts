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

/**
 * Whether `text` encoded as UTF-8 fits `maxBytes` (Gmail clips by bytes). Every UTF-16 code
 * unit takes 1 to 3 bytes, so most digests are decided by their length alone.
 */
export function fitsUtf8Bytes(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return false;
  if (text.length * 3 <= maxBytes) return true;
  return utf8Length(text) <= maxBytes;
}

const nonAsciiRun = /[^\x00-\x7f]+/g;

/** Byte length of the UTF-8 encoding, without allocating it (only non-ASCII runs are visited). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (const [run] of text.matchAll(nonAsciiRun)) {
    for (let i = 0; i < run.length; i++) {
      const code = run.charCodeAt(i);
      if (code < 0x800) bytes += 1;
      else if (code >= 0xd800 && code <= 0xdbff && i + 1 < run.length) {
        const next = run.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          bytes += 2; // a surrogate pair: 2 code units, 4 bytes
          i++;
        } else bytes += 2;
      } else bytes += 2; // BMP, or a lone surrogate (encoded as U+FFFD, 3 bytes)
    }
  }
  return bytes;
}
