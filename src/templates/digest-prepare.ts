/**
 * Digest model -> display-ready data shared by the HTML and the text version: one-line
 * texts, cut excerpts, safe URLs (unsafe optional links dropped, unsafe required links
 * refused), and the order in which items are kept when the size budget cuts.
 */
import {
  digestNoun,
  listNames,
  monthLabel,
  oneLine,
  periodRange,
  shorten,
  summariseChoices,
  type ChoicesSummary,
} from './format';
import type { DigestBadge, DigestModel, Frequency } from './models';
import { requireHttpUrl, safeHttpUrl } from './safe-url';
import { siteNameOf } from './shared-view';

export const badgeLabels: Record<DigestBadge, string> = {
  new: 'New',
  updated: 'Updated',
  watch_flag_raised: 'Watch flag raised',
  watch_flag_lifted: 'Watch flag lifted',
};

const changedFieldNames: Record<string, string> = {
  title: 'title',
  body: 'report text',
  excerpt: 'report text',
  sources: 'sources',
  categories: 'categories',
  factors: 'factors',
  watchFlag: 'watch flag',
  month: 'month',
  updates: 'update note',
  url: 'link',
};

const EXCERPT_MAX = 300;
const UPDATE_MAX = 400;

export interface PreparedItem {
  badge: DigestBadge;
  title: string;
  url: string | undefined;
  month: string;
  categories: string;
  excerpt: string;
  update: { text: string; changed: string } | undefined;
  sources: { name: string; url: string | undefined }[];
}

export interface PreparedCountry {
  id: string;
  name: string;
  items: PreparedItem[];
}

export interface PreparedDigest {
  siteName: string;
  frequency: Frequency;
  /** "monthly digest" or "weekly digest". */
  noun: string;
  periodLabel: string;
  periodRange: string;
  email: string;
  choices: ChoicesSummary;
  countries: PreparedCountry[];
  /** Items the composer left out (before any size cut). */
  moreCount: number;
  links: { manage: string; unsubscribe: string; viewInBrowser: string; site: string; moreReports: string };
}

function changedList(fields: readonly string[] | undefined): string {
  const names = (fields ?? []).map((f) => changedFieldNames[f] ?? oneLine(f)).filter((n) => n !== '');
  return listNames([...new Set(names)], 8);
}

export function prepareDigest(model: DigestModel): PreparedDigest {
  const site = requireHttpUrl(model.links.site, 'links.site');
  const countries = model.countries
    .map((country) => ({
      id: oneLine(country.id),
      name: oneLine(country.name) || oneLine(country.id),
      items: country.items.map((item): PreparedItem => {
        if (!(item.badge in badgeLabels)) throw new Error(`unknown digest badge: ${String(item.badge)}`);
        const updateText = shorten(item.updateText, UPDATE_MAX);
        const changed = changedList(item.changedFields);
        return {
          badge: item.badge,
          title: oneLine(item.title) || 'Untitled report',
          url: safeHttpUrl(item.url),
          month: monthLabel(item.month),
          categories: item.categories.map(oneLine).filter((c) => c !== '').join(' · '),
          excerpt: shorten(item.excerpt, EXCERPT_MAX),
          update: updateText || changed ? { text: updateText, changed } : undefined,
          sources: item.sources
            .map((s) => ({ name: oneLine(s.name), url: safeHttpUrl(s.url) }))
            .filter((s) => s.name !== ''),
        };
      }),
    }))
    .filter((country) => country.items.length > 0);
  return {
    siteName: siteNameOf(model),
    frequency: model.recipient.choices.frequency,
    noun: digestNoun(model.recipient.choices.frequency),
    periodLabel: oneLine(model.period.label),
    periodRange: periodRange(model.period.start, model.period.end, model.period.timeZone),
    email: oneLine(model.recipient.email),
    choices: summariseChoices(model.recipient.choices),
    countries,
    moreCount: Math.max(0, Math.floor(model.moreCount || 0)),
    links: {
      manage: requireHttpUrl(model.links.manage, 'links.manage'),
      unsubscribe: requireHttpUrl(model.links.unsubscribe, 'links.unsubscribe'),
      viewInBrowser: requireHttpUrl(model.links.viewInBrowser, 'links.viewInBrowser'),
      site,
      moreReports: safeHttpUrl(model.links.moreReports) ?? site,
    },
  };
}

export function itemCount(digest: PreparedDigest): number {
  return digest.countries.reduce((sum, c) => sum + c.items.length, 0);
}

/**
 * The digest with only its first `keep` items in keeping order: round robin over countries
 * (every country's newest item, then every country's second, ...), so a cut never drops a
 * whole country while another keeps dozens. Display order stays as given.
 */
export function keepItems(digest: PreparedDigest, keep: number): PreparedDigest {
  const total = itemCount(digest);
  if (keep >= total) return digest;
  const kept = Math.max(0, Math.floor(keep));
  const quota = digest.countries.map(() => 0);
  let left = kept;
  for (let round = 0; left > 0; round++) {
    digest.countries.forEach((country, index) => {
      if (left > 0 && round < country.items.length) {
        quota[index]!++;
        left--;
      }
    });
  }
  const countries = digest.countries
    .map((country, index) => ({ ...country, items: country.items.slice(0, quota[index]) }))
    .filter((country) => country.items.length > 0);
  return { ...digest, countries, moreCount: digest.moreCount + (total - kept) };
}
