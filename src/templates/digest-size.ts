/**
 * Lower bounds of the digest HTML size, measured once from the compiled template: the page
 * with one item and every text empty, what each further item adds at least, and the markup
 * of each optional part of an item (link, categories, excerpt, update, sources). With the
 * item's own text (which escaping only lengthens) that gives a tight lower bound per item,
 * so the size budget rules out most item counts without rendering them.
 */

import { renderDigestHtml } from './digest-html';
import type { PreparedDigest, PreparedItem } from './digest-prepare';

interface SizeModel {
  /** The whole page with one empty item. */
  oneItem: number;
  /** A further empty item (with the divider before it). */
  perItem: number;
  /** A further country: its section and heading, less the divider its first item goes without. */
  country: number;
  url: number;
  categories: number;
  excerpt: number;
  update: number;
  changed: number;
  /** The "Sources:" line with its first source, then each further one, and a source's link. */
  sources: number;
  source: number;
  sourceLink: number;
}

const emptyItem: PreparedItem = {
  language: 'en',
  badge: 'new',
  title: '',
  watchFlag: false,
  alertedOn: undefined,
  url: undefined,
  month: '',
  categories: '',
  excerpt: '',
  update: undefined,
  sources: [],
  // A report's language only adds markup: leaving it out keeps these lower bounds.
  reportLanguage: undefined,
};

function pageBytes(...countries: PreparedItem[][]): number {
  // English words: every other language's labels are as long or longer, so these stay lower bounds.
  const digest: PreparedDigest = {
    language: 'en',
    siteName: '',
    frequency: 'weekly',
    noun: '',
    periodLabel: '',
    periodRange: '',
    email: '',
    choices: { places: '', categories: '', frequency: '' },
    countries: countries.map((items) => ({ id: '', name: '', items })),
    moreCount: 0,
    neutral: false,
    countryContext: [],
    countryContextMore: 0,
    links: { manage: '', unsubscribe: '', viewInBrowser: '', site: '', moreReports: '' },
  };
  return renderDigestHtml(digest, { reports: 1, countries: 1, flagged: 0 }).length; // ASCII only: length = bytes
}

let measured: SizeModel | undefined;

function sizeModel(): SizeModel {
  if (measured) return measured;
  const one = pageBytes([emptyItem]);
  const two = pageBytes([emptyItem, emptyItem]);
  // Markup a variant of the second item adds, less the `text` characters it was given.
  const extra = (variant: Partial<PreparedItem>, text: number) => pageBytes([emptyItem, { ...emptyItem, ...variant }]) - two - text;
  const oneSource = extra({ sources: [{ name: 'n', url: undefined }] }, 1);
  measured = {
    oneItem: one,
    perItem: two - one,
    country: pageBytes([emptyItem], [emptyItem]) - two,
    url: extra({ url: 'u' }, 2),
    categories: extra({ categories: 'c' }, 1),
    excerpt: extra({ excerpt: 'e' }, 1),
    update: extra({ update: { text: 'u', changed: '' } }, 1),
    changed: extra({ update: { text: 'u', changed: 'c' } }, 2) - extra({ update: { text: 'u', changed: '' } }, 1),
    sources: oneSource,
    source:
      extra(
        {
          sources: [
            { name: 'n', url: undefined },
            { name: 'm', url: undefined },
          ],
        },
        2,
      ) - oneSource,
    sourceLink: extra({ sources: [{ name: 'n', url: 'u' }] }, 2) - oneSource,
  };
  return measured;
}

/**
 * What one more item adds to the HTML at least; `newCountry` is its country's name when it
 * is the first item of its country (the name shows in the heading and the contents line).
 */
export function itemLowerBound(item: PreparedItem, newCountry?: string): number {
  const m = sizeModel();
  let bytes = m.perItem + item.title.length + item.month.length;
  if (newCountry !== undefined) bytes += m.country + 2 * newCountry.length;
  if (item.url) bytes += m.url + 2 * item.url.length;
  if (item.categories) bytes += m.categories + item.categories.length;
  if (item.excerpt) bytes += m.excerpt + item.excerpt.length;
  if (item.update) {
    bytes += m.update + item.update.text.length;
    if (item.update.changed) bytes += m.changed + item.update.changed.length;
  }
  item.sources.forEach((source, index) => {
    bytes += (index === 0 ? m.sources : m.source) + source.name.length;
    if (source.url) bytes += m.sourceLink + source.url.length;
  });
  return bytes;
}

/** The page with its first item (of the country named `country`), at least. */
export function firstItemLowerBound(item: PreparedItem, country: string): number {
  const m = sizeModel();
  return m.oneItem - m.perItem + itemLowerBound(item) + 2 * country.length;
}
