/**
 * Digest model -> display-ready data shared by the HTML and the text version: one-line
 * texts, cut excerpts, safe URLs (unsafe optional links dropped, unsafe required links
 * refused), and the order in which items are kept when the size budget cuts.
 */

import { countryName, type Language, messagesFor, reportLanguage } from '../i18n';
import { categories as categoryList } from '../taxonomy/categories';
import { countries, findCountry } from '../taxonomy/countries';
import {
  type ChoicesSummary,
  dayLabel,
  digestNoun,
  listNames,
  monthLabel,
  oneLine,
  periodRange,
  shorten,
  summariseChoices,
} from './format';
import type { DigestBadge, DigestContextChange, DigestItem, DigestModel, Frequency } from './models';
import { requireHttpUrl, safeHttpUrl } from './safe-url';
import { siteNameOf } from './shared-view';

export const badgeLabels: Record<DigestBadge, string> = {
  new: 'New',
  updated: 'Updated',
  watch_flag_raised: 'Watch flag raised',
  watch_flag_lifted: 'Watch flag lifted',
};

/** The model names categories and factors in English: back to their ids, to name them in another language. */
const categoryIdsByName = new Map<string, string>(
  categoryList.flatMap((c) => [[c.name, c.id] as const, ...c.factors.map((f) => [f.name, f.id] as const)]),
);

function categoryLabel(name: string, language: Language): string {
  if (language === 'en') return name;
  const id = categoryIdsByName.get(name);
  const t = messagesFor(language);
  return (id && (t.categories[id as keyof typeof t.categories] ?? t.factors[id])) || name;
}

export const EXCERPT_MAX = 300;
const UPDATE_MAX = 400;

export interface PreparedItem {
  /** The language its words are in (items are prepared once per language). */
  language: Language;
  badge: DigestBadge;
  title: string;
  /** Shown as "Watch flag" under the title, as the tracker's pages show it. */
  watchFlag: boolean;
  /** "Alerted on 4 December 2026": an instant alert told this reader already. */
  alertedOn: string | undefined;
  url: string | undefined;
  month: string;
  categories: string;
  excerpt: string;
  update: { text: string; changed: string } | undefined;
  sources: { name: string; url: string | undefined }[];
  /** The report's language when it is not the reader's: its tag (for `lang`) and "In Spanish" in the reader's words. */
  reportLanguage: { tag: string; note: string } | undefined;
}

export interface PreparedCountry {
  id: string;
  name: string;
  items: PreparedItem[];
}

/** A line of the "Country context" section, worded. */
export interface PreparedContextLine {
  country: string;
  /** "Ranking changed · read 1 February 2025" */
  meta: string;
  /** "Rights: 107/173 → 101/173", one per field. */
  changes: string[];
  url: string | undefined;
}

export interface PreparedDigest {
  language: Language;
  siteName: string;
  frequency: Frequency;
  /** "monthly digest" or "weekly digest". */
  noun: string;
  periodLabel: string;
  periodRange: string;
  email: string;
  choices: ChoicesSummary;
  countries: PreparedCountry[];
  /** Items not shown: the composer's `moreCount` plus those left out for size. */
  moreCount: number;
  /** Subject and preview name no country or topic. */
  neutral: boolean;
  countryContext: PreparedContextLine[];
  /** Country context changes the composer left out of a long section. */
  countryContextMore: number;
  links: { manage: string; unsubscribe: string; viewInBrowser: string; site: string; moreReports: string; feed?: string };
}

function changedList(fields: readonly string[] | undefined, language: Language): string {
  const changedFieldNames = messagesFor(language).email.digest.changedFields;
  const names = (fields ?? [])
    .map((f) => (Object.hasOwn(changedFieldNames, f) ? changedFieldNames[f]! : oneLine(f)))
    .filter((n) => n !== '');
  return listNames([...new Set(names)], 8, language);
}

// A digest run hands the renderer the same item objects for every reader of an event (the
// composer builds each event's line once per tick): prepare each once. Keyed by identity,
// so an item is never confused with another and is forgotten with its model.
// One cache per language: the same item is worded once for each language its readers read.
const preparedItems = new Map<Language, WeakMap<DigestItem, PreparedItem>>();

function prepareItem(item: DigestItem, language: Language): PreparedItem {
  let cache = preparedItems.get(language);
  if (!cache) {
    cache = new WeakMap();
    preparedItems.set(language, cache);
  }
  let prepared = cache.get(item);
  if (!prepared) {
    prepared = prepareItemOnce(item, language);
    cache.set(item, prepared);
  }
  return prepared;
}

function prepareItemOnce(item: DigestItem, language: Language): PreparedItem {
  if (!Object.hasOwn(badgeLabels, item.badge)) throw new Error(`unknown digest badge: ${String(item.badge)}`);
  const updateText = shorten(item.updateText, UPDATE_MAX);
  const changed = changedList(item.changedFields, language);
  return {
    language,
    badge: item.badge,
    title: oneLine(item.title) || messagesFor(language).email.digest.untitled,
    watchFlag: item.watchFlag ?? item.badge === 'watch_flag_raised',
    alertedOn: oneLine(item.alertedOn) || undefined,
    url: safeHttpUrl(item.url),
    month: monthLabel(item.month, language),
    categories: item.categories
      .map(oneLine)
      .filter((c) => c !== '')
      .map((c) => categoryLabel(c, language))
      .join(' · '),
    excerpt: shorten(item.excerpt, EXCERPT_MAX),
    update: updateText || changed ? { text: updateText, changed } : undefined,
    sources: item.sources.map((s) => ({ name: oneLine(s.name), url: safeHttpUrl(s.url) })).filter((s) => s.name !== ''),
    reportLanguage: reportLanguage(item.language, language),
  };
}

/** The model names a country of the section in English: found again by that name to name it in another language. */
function contextCountry(name: string, language: Language): string {
  if (language === 'en') return name;
  const found = findCountry(name) ?? countryByEnglishName.get(name);
  return found ? countryName(found, language) : name;
}

const countryByEnglishName = new Map(countries.map((c) => [c.name, c] as const));

function prepareContextLine(line: DigestContextChange, timeZone: string | undefined, language: Language): PreparedContextLine {
  const t = messagesFor(language).email.digest.context;
  const readAt = new Date(line.readAt);
  const day = Number.isNaN(readAt.getTime()) ? '' : dayLabel(readAt, timeZone, language);
  const label = Object.hasOwn(t.types, line.type) ? t.types[line.type]! : oneLine(line.type);
  // Field names and values are the page's own words, as reports are.
  const byField = Object.fromEntries(line.changed.map((c) => [oneLine(c.field), c] as const));
  const changed = Object.entries(byField).map(([field, c]) => `${field}: ${c.old ?? t.none} → ${c.new ?? t.none}`);
  return {
    country: contextCountry(oneLine(line.country), language),
    meta: [label, day ? t.readOn(day) : ''].filter((s) => s !== '').join(' · '),
    changes: changed.map((text) => shorten(text, UPDATE_MAX)),
    url: safeHttpUrl(line.url),
  };
}

const isFlagged = (item: DigestItem) => item.watchFlag ?? item.badge === 'watch_flag_raised';

/** Reports, flagged reports and countries (with at least one report) in the model, whatever is shown. */
export function modelTotals(model: DigestModel): { reports: number; countries: number; flagged: number } {
  const withItems = model.countries.filter((c) => c.items.length > 0);
  const items = withItems.reduce((sum, c) => sum + c.items.length, 0);
  const flagged = withItems.reduce((sum, c) => sum + c.items.filter(isFlagged).length, 0);
  return { reports: items + Math.max(0, Math.floor(model.moreCount || 0)), countries: withItems.length, flagged };
}

/**
 * Prepares items in keeping order (see `keepItems`) while `more(item, newCountry)` says yes
 * (`newCountry`: the country's name, for the first item of each country); the item it
 * refuses and all after it only count towards `moreCount`. So a digest of 2,000 reports
 * costs no more than the part of it that can fit.
 */
export function prepareDigest(
  model: DigestModel,
  more: (item: PreparedItem, newCountry: string | undefined) => boolean = () => true,
): PreparedDigest {
  const language = model.language ?? 'en';
  const site = requireHttpUrl(model.links.site, 'links.site');
  const items: PreparedItem[][] = model.countries.map(() => []);
  const names = model.countries.map((country) => localCountryName(country, language));
  const longest = Math.max(0, ...model.countries.map((c) => c.items.length));
  let prepared = 0;
  rounds: for (let round = 0; round < longest; round++) {
    for (const [index, country] of model.countries.entries()) {
      const raw = country.items[round];
      if (!raw) continue;
      const item = prepareItem(raw, language);
      if (!more(item, round === 0 ? names[index] : undefined)) break rounds;
      items[index]!.push(item);
      prepared++;
    }
  }
  const countries = model.countries
    .map((country, index) => ({ id: oneLine(country.id), name: names[index]!, items: items[index]! }))
    .filter((country) => country.items.length > 0);
  const skipped = model.countries.reduce((sum, c) => sum + c.items.length, 0) - prepared;
  const frequency = model.recipient.choices.frequency;
  return {
    language,
    siteName: siteNameOf(model),
    frequency,
    noun: language === 'en' ? digestNoun(frequency) : messagesFor(language).nouns[frequency],
    periodLabel: language === 'en' ? oneLine(model.period.label) : localPeriodLabel(model, language),
    periodRange: periodRange(model.period.start, model.period.end, model.period.timeZone, language),
    email: oneLine(model.recipient.email),
    choices: summariseChoices(model.recipient.choices, language),
    countries,
    moreCount: Math.max(0, Math.floor(model.moreCount || 0)) + skipped,
    neutral: model.neutralSubjects === true,
    countryContext: (model.countryContext ?? []).map((line) => prepareContextLine(line, model.period.timeZone, language)),
    countryContextMore: Math.max(0, Math.floor(model.countryContextMore || 0)),
    links: {
      manage: requireHttpUrl(model.links.manage, 'links.manage'),
      unsubscribe: requireHttpUrl(model.links.unsubscribe, 'links.unsubscribe'),
      viewInBrowser: requireHttpUrl(model.links.viewInBrowser, 'links.viewInBrowser'),
      site,
      moreReports: safeHttpUrl(model.links.moreReports) ?? site,
      feed: safeHttpUrl(model.links.feed),
    },
  };
}

/** The model's country names are English; other languages name the country by its code. */
function localCountryName(country: { id: string; name: string }, language: Language): string {
  const found = language === 'en' ? undefined : findCountry(oneLine(country.id));
  return found ? countryName(found, language) : oneLine(country.name) || oneLine(country.id);
}

/** "enero de 2027", "Semaine du 21 décembre 2026": the headline of the period, worded again. */
function localPeriodLabel(model: DigestModel, language: Language): string {
  const start = new Date(model.period.start);
  if (Number.isNaN(start.getTime())) return oneLine(model.period.label);
  const zone = model.period.timeZone ?? 'UTC';
  if (model.recipient.choices.frequency === 'weekly') return messagesFor(language).email.digest.weekOf(dayLabel(start, zone, language));
  try {
    return new Intl.DateTimeFormat(language, { month: 'long', year: 'numeric', timeZone: zone }).format(start);
  } catch {
    return oneLine(model.period.label);
  }
}

export function itemCount(digest: PreparedDigest): number {
  return digest.countries.reduce((sum, c) => sum + c.items.length, 0);
}

/**
 * How many items each country keeps when `keep` are kept in round robin (every country's
 * newest item, then every country's second, ...), so a cut never drops a whole country
 * while another keeps dozens.
 */
export function roundRobinQuotas(counts: readonly number[], keep: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (keep >= total) return [...counts];
  const quota = counts.map(() => 0);
  let left = Math.max(0, Math.floor(keep));
  for (let round = 0; left > 0; round++) {
    counts.forEach((count, index) => {
      if (left > 0 && round < count) {
        quota[index]!++;
        left--;
      }
    });
  }
  return quota;
}

/** The digest with only its first `keep` items in keeping order; display order stays as given. */
export function keepItems(digest: PreparedDigest, keep: number): PreparedDigest {
  const total = itemCount(digest);
  if (keep >= total) return digest;
  const quotas = roundRobinQuotas(
    digest.countries.map((c) => c.items.length),
    keep,
  );
  const countries = digest.countries
    .map((country, index) => ({ ...country, items: country.items.slice(0, quotas[index]) }))
    .filter((country) => country.items.length > 0);
  const kept = quotas.reduce((a, b) => a + b, 0);
  return { ...digest, countries, moreCount: digest.moreCount + (total - kept) };
}
