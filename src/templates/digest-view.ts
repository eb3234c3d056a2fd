/** Prepared digest -> the Mustache view of digest.mjml (every key present, so no lookups leak upwards). */

import { formatNumber, messagesFor } from '../i18n';
import type { PreparedDigest, PreparedItem } from './digest-prepare';
import { itemCount } from './digest-prepare';
import { listNames } from './format';
import { type FooterView, type HeaderView, type LanguageView, type LinkView, languageView, linkList } from './shared-view';

interface ItemView {
  first: boolean;
  /** The words around the report, in the digest's language. */
  w: { badge: string; watchFlag: string; alertedOn: string | false; update: string; changed: string; sources: string; readReport: string };
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
  /** The report's language when it is not the reader's: `lang` of its texts and "In Spanish". */
  reportLanguage: { tag: string; note: string } | false;
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
  /** The words of the page around the reports, in the digest's language. */
  w: { intro: string; inThis: string; empty: string };
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
  const t = words(d).context;
  return {
    heading: t.section,
    intro: t.intro,
    lines: d.countryContext.map((line) => ({
      country: line.country,
      meta: line.meta,
      changes: line.changes.map((text) => ({ text })),
      url: line.url ?? false,
      pageLabel: t.countryPage,
    })),
    more: d.countryContextMore > 0 ? t.more(d.countryContextMore, formatNumber(d.countryContextMore, d.language)) : false,
  };
}

export function itemView(item: PreparedItem, first: boolean): ItemView {
  const language = item.language;
  const t = messagesFor(language).email.digest;
  return {
    first,
    w: {
      badge: t.badges[item.badge],
      watchFlag: t.watchFlag,
      alertedOn: item.alertedOn ? t.alertedOn(item.alertedOn) : false,
      update: withColonText(t.update, language),
      changed: withColonText(t.changed, language),
      sources: withColonText(t.sources, language),
      readReport: t.readReport,
    },
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
    reportLanguage: item.reportLanguage ?? false,
  };
}

const withColonText = (label: string, language: PreparedDigest['language']) => (language === 'fr' ? `${label}\u00a0:` : `${label}:`);

const words = (d: Pick<PreparedDigest, 'language'>) => messagesFor(d.language).email.digest;

/** What a subject and preview say when they must name no country or topic (issue 17). */
export const neutralDigestSubject = (frequency: PreparedDigest['frequency'], language: PreparedDigest['language'] = 'en') =>
  frequency === 'weekly' ? messagesFor(language).email.digest.neutralWeekly : messagesFor(language).email.digest.neutralMonthly;
export const NEUTRAL_PREHEADER = messagesFor('en').email.digest.neutralPreheader;

export function digestSubject(d: PreparedDigest, totals: Pick<DigestTotals, 'reports' | 'flagged'>): string {
  if (d.neutral) return neutralDigestSubject(d.frequency, d.language);
  const t = words(d);
  const count = totals.reports === 0 ? t.noReportsLower : t.reports(totals.reports, formatNumber(totals.reports, d.language));
  const flags = totals.flagged ? t.withFlag(formatNumber(totals.flagged, d.language)) : '';
  return t.subject(d.siteName, d.noun, d.periodLabel, `${count}${flags}`);
}

/** What a watch flag is, said once in a digest that shows one. */
export const WATCH_FLAG_NOTE = messagesFor('en').email.digest.watchFlagNote;

export function showsWatchFlag(d: PreparedDigest): boolean {
  return d.countries.some((c) => c.items.some((item) => item.watchFlag));
}

export function digestWhy(d: PreparedDigest): string {
  return words(d).why(d.noun, d.email, d.siteName, d.choices.places, d.choices.categories);
}

export function moreLabel(count: number, language: PreparedDigest['language'] = 'en'): string {
  return messagesFor(language).email.digest.moreLabel(count, formatNumber(count, language));
}

/** Why some reports are only on the site. */
export function moreNote(shown: number, total: number, language: PreparedDigest['language'] = 'en'): string {
  const t = messagesFor(language).email.digest;
  return shown === 0 ? t.moreNoneFit : t.moreNote(formatNumber(shown, language), t.reports(total, formatNumber(total, language)));
}

/** The footer link to the Atom feed of the reader's selection (the same reports in a feed reader). */
export const FEED_LABEL = messagesFor('en').email.digest.feed;

export function footerLinks(d: PreparedDigest): LinkView[] {
  const common = messagesFor(d.language).email;
  return linkList([
    { label: common.managePreferences, url: d.links.manage },
    { label: common.unsubscribe, url: d.links.unsubscribe },
    { label: common.digest.viewInBrowser, url: d.links.viewInBrowser },
    ...(d.links.feed ? [{ label: common.digest.feed, url: d.links.feed }] : []),
  ]);
}

export interface DigestTotals {
  /** Every matching report: shown, cut for size, or left out by the composer. */
  reports: number;
  countries: number;
  /** Reports of the model that carry a watch flag (none when not given). */
  flagged?: number;
}

export function digestSummary(totals: DigestTotals, language: PreparedDigest['language'] = 'en'): string {
  const t = messagesFor(language).email.digest;
  if (totals.reports === 0) return t.noReports;
  const reports = t.reports(totals.reports, formatNumber(totals.reports, language));
  return totals.countries > 0 ? t.reportsIn(reports, t.countries(totals.countries, formatNumber(totals.countries, language))) : reports;
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
  const summary = digestSummary(totals, d.language);
  const t = words(d);
  return {
    ...languageView(d.language),
    subject: digestSubject(d, totals),
    preheader: d.neutral
      ? t.neutralPreheader
      : shown === 0
        ? t.thisTime(summary)
        : `${withColonText(summary, d.language)} ${listNames(
            d.countries.map((c) => c.name),
            4,
            d.language,
          )}.`,
    siteName: d.siteName,
    digestNoun: d.noun,
    links: { site: d.links.site },
    header: {
      kicker: d.frequency === 'weekly' ? t.kickerWeekly : t.kickerMonthly,
      title: d.periodLabel,
      subtitle: [d.periodRange, summary].filter((s) => s !== '').join(' · '),
    },
    hasItems: shown > 0,
    isEmpty: total === 0 && d.countryContext.length === 0,
    watchFlagNote: showsWatchFlag(d) ? t.watchFlagNote : false,
    w: { intro: t.intro, inThis: withColonText(t.inThis(d.noun), d.language), empty: t.empty(d.noun) },
    contents: d.countries.map((c, index) => ({ first: index === 0, name: c.name, count: c.items.length })),
    more:
      d.moreCount > 0
        ? { label: moreLabel(d.moreCount, d.language), note: moreNote(shown, total, d.language), url: d.links.moreReports }
        : false,
    countryContext: countryContextView(d),
    footer: { why: digestWhy(d), links: footerLinks(d) },
  };
}
