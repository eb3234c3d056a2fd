/** Prepared digest -> the Mustache view of digest.mjml (every key present, so no lookups leak upwards). */

import { countryContextWords } from './country-context-words';
import type { PreparedDigest, PreparedItem } from './digest-prepare';
import { itemCount } from './digest-prepare';
import { formatCount, listNames, plural } from './format';
import { type FooterView, type HeaderView, type LanguageView, type LinkView, languageView, linkList } from './shared-view';

interface ItemView {
  first: boolean;
  watchFlag: boolean;
  alertedOn: string | false;
  badge: { new: boolean; updated: boolean; watchFlagRaised: boolean; watchFlagLifted: boolean };
  title: string;
  url: string | false;
  month: string;
  categories: string | false;
  excerpt: string | false;
  update: { text: string; changed: string | false } | false;
  hasSources: boolean;
  sources: { first: boolean; name: string; url: string | false }[];
}

export interface DigestView extends LanguageView {
  subject: string;
  preheader: string;
  siteName: string;
  digestNoun: string;
  links: { site: string };
  header: HeaderView;
  /** Items shown: the intro and the "In this digest" line. */
  hasItems: boolean;
  /** Nothing matched at all (not even cut): the "no reports" notice. */
  isEmpty: boolean;
  /** A shown report carries a watch flag: the digest says once what that means. */
  watchFlagNote: string | false;
  contents: { first: boolean; name: string; count: number }[];
  countries: { name: string; items: ItemView[] }[];
  more: { label: string; note: string; url: string } | false;
  /** The "Country context" section, for readers who chose it and had changes. */
  countryContext: CountryContextView | false;
  footer: FooterView;
}

interface CountryContextView {
  heading: string;
  intro: string;
  lines: { country: string; meta: string; changes: { text: string }[]; url: string | false; pageLabel: string }[];
  more: string | false;
}

export function countryContextView(d: PreparedDigest): CountryContextView | false {
  if (d.countryContext.length === 0) return false;
  return {
    heading: countryContextWords.section,
    intro: countryContextWords.intro,
    lines: d.countryContext.map((line) => ({
      country: line.country,
      meta: line.meta,
      changes: line.changes.map((text) => ({ text })),
      url: line.url ?? false,
      pageLabel: countryContextWords.countryPage,
    })),
    more: d.countryContextMore > 0 ? countryContextWords.more(d.countryContextMore) : false,
  };
}

export function itemView(item: PreparedItem, first: boolean): ItemView {
  return {
    first,
    watchFlag: item.watchFlag,
    alertedOn: item.alertedOn ?? false,
    badge: {
      new: item.badge === 'new',
      updated: item.badge === 'updated',
      watchFlagRaised: item.badge === 'watch_flag_raised',
      watchFlagLifted: item.badge === 'watch_flag_lifted',
    },
    title: item.title,
    url: item.url ?? false,
    month: item.month,
    categories: item.categories || false,
    excerpt: item.excerpt || false,
    update: item.update ? { text: item.update.text, changed: item.update.changed || false } : false,
    hasSources: item.sources.length > 0,
    sources: item.sources.map((s, index) => ({ first: index === 0, name: s.name, url: s.url ?? false })),
  };
}

/** What a subject and preview say when they must name no country or topic (issue 17). */
export const neutralDigestSubject = (frequency: PreparedDigest['frequency']) => `Your ${frequency} update`;
export const NEUTRAL_PREHEADER = 'Open to read it.';

export function digestSubject(d: PreparedDigest, totals: Pick<DigestTotals, 'reports' | 'flagged'>): string {
  if (d.neutral) return neutralDigestSubject(d.frequency);
  const count = totals.reports === 0 ? 'no new reports' : plural(totals.reports, 'report', 'reports');
  const flags = totals.flagged ? `, ${formatCount(totals.flagged)} with a watch flag` : '';
  return `${d.siteName} ${d.noun}: ${d.periodLabel} (${count}${flags})`;
}

/** What a watch flag is, said once in a digest that shows one. */
export const WATCH_FLAG_NOTE =
  'Watch flag: the tracker marks a report with a watch flag when it is a development to keep an eye on, one that may soon change or get worse.';

export function showsWatchFlag(d: PreparedDigest): boolean {
  return d.countries.some((c) => c.items.some((item) => item.watchFlag));
}

export function digestWhy(d: PreparedDigest): string {
  return (
    `You receive this ${d.noun} because ${d.email} is signed up for ${d.siteName} alerts. ` +
    `Your selection: ${d.choices.places}; ${d.choices.categories}.`
  );
}

export function moreLabel(count: number): string {
  return `${plural(count, 'more report', 'more reports')} on the site`;
}

/** Why some reports are only on the site. */
export function moreNote(shown: number, total: number): string {
  return shown === 0
    ? 'The reports did not fit in an email this time.'
    : `This email shows ${formatCount(shown)} of ${plural(total, 'report', 'reports')}, so that your email app does not cut it short.`;
}

/** The footer link to the Atom feed of the reader's selection (the same reports in a feed reader). */
export const FEED_LABEL = 'Atom feed of your selection';

export function footerLinks(d: PreparedDigest): LinkView[] {
  return linkList([
    { label: 'Manage preferences', url: d.links.manage },
    { label: 'Unsubscribe', url: d.links.unsubscribe },
    { label: 'View in browser', url: d.links.viewInBrowser },
    ...(d.links.feed ? [{ label: FEED_LABEL, url: d.links.feed }] : []),
  ]);
}

export interface DigestTotals {
  /** Every matching report: shown, cut for size, or left out by the composer. */
  reports: number;
  countries: number;
  /** Reports of the model that carry a watch flag (none when not given). */
  flagged?: number;
}

export function digestSummary(totals: DigestTotals): string {
  if (totals.reports === 0) return 'No new reports';
  const reports = plural(totals.reports, 'report', 'reports');
  return totals.countries > 0 ? `${reports} in ${plural(totals.countries, 'country', 'countries')}` : reports;
}

/** The whole view of digest.mjml; `d` is already cut to what the email shows. */
export function digestView(d: PreparedDigest, totals: DigestTotals): DigestView {
  return {
    ...digestPageView(d, totals),
    countries: d.countries.map((c) => ({ name: c.name, items: c.items.map((item, index) => itemView(item, index === 0)) })),
  };
}

/** The view of the page around the reports (renderDigestHtml fills the countries and reports in parts). */
export function digestPageView(d: PreparedDigest, totals: DigestTotals): Omit<DigestView, 'countries'> {
  const shown = itemCount(d);
  const total = totals.reports;
  const summary = digestSummary(totals);
  return {
    // Digests are written in English for now: the reader's language reaches the notices first.
    ...languageView('en'),
    subject: digestSubject(d, totals),
    preheader: d.neutral
      ? NEUTRAL_PREHEADER
      : shown === 0
        ? `${summary} this time.`
        : `${summary}: ${listNames(
            d.countries.map((c) => c.name),
            4,
          )}.`,
    siteName: d.siteName,
    digestNoun: d.noun,
    links: { site: d.links.site },
    header: {
      kicker: d.frequency === 'weekly' ? 'Weekly digest' : 'Monthly digest',
      title: d.periodLabel,
      subtitle: [d.periodRange, summary].filter((s) => s !== '').join(' · '),
    },
    hasItems: shown > 0,
    isEmpty: total === 0 && d.countryContext.length === 0,
    watchFlagNote: showsWatchFlag(d) ? WATCH_FLAG_NOTE : false,
    contents: d.countries.map((c, index) => ({ first: index === 0, name: c.name, count: c.items.length })),
    more: d.moreCount > 0 ? { label: moreLabel(d.moreCount), note: moreNote(shown, total), url: d.links.moreReports } : false,
    countryContext: countryContextView(d),
    footer: { why: digestWhy(d), links: footerLinks(d) },
  };
}
