import { generateAtomFeed, generateJsonFeed } from 'feedsmith';
import type { ChangeFeedFilters, FeedChange } from '../db/change-feed';
import type { ChangeType } from '../db/change-types';
import type { CountryChangeView } from '../db/changes';
import { reportLanguage } from '../i18n';
import { en } from '../i18n/en';
import { findCountry } from '../taxonomy/countries';
import { countryChangeCategories, countryView } from './country-change-view';

/** The filters as query parameters, in one canonical order (comma-separated lists): feed links and cache keys. */
export function feedQuery(filters: ChangeFeedFilters): string {
  const params = new URLSearchParams();
  const add = (name: string, values: readonly string[]) => {
    if (values.length > 0) params.set(name, [...values].sort().join(','));
  };
  add('country', filters.countries);
  add('region', filters.regions);
  add('category', filters.categories);
  add('type', filters.types);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/** The Atom and JSON Feed addresses of a selection (what the sign-up page and digests link). */
export function feedLinks(publicBaseUrl: string, filters: ChangeFeedFilters) {
  const query = feedQuery(filters);
  return { atom: `${publicBaseUrl}/feeds/changes.atom${query}`, json: `${publicBaseUrl}/feeds/changes.json${query}` };
}

/** Feeds are in English: country context in the words the English digest uses. */
const contextWords = en.email.digest.context;

/** "Head of government: Prime Minister A → Prime Minister B", one per changed field. */
function changedValueLines(changed: Readonly<Record<string, { old: string | null; new: string | null }>>): string[] {
  return Object.entries(changed).map(
    ([field, { old, new: value }]) => `${field}: ${old ?? contextWords.none} → ${value ?? contextWords.none}`,
  );
}

const typeLabels: Partial<Record<ChangeType, string>> = {
  'event.published': 'New report',
  'event.updated': 'Report updated',
  'event.watch_flag_raised': 'Watch flag raised',
  'event.watch_flag_lifted': 'Watch flag lifted',
};

interface FeedEntry {
  id: string;
  title: string;
  updated: string;
  link: string;
  summary: string;
  tags: string[];
  /** The report's language as its source gives it (BCP 47 primary subtag), when it gives one. */
  language?: string;
}

const entryId = (publicBaseUrl: string, changeId: number) => `tag:${new URL(publicBaseUrl).hostname},2025:change:${changeId}`;

/** A country context change: what changed, old and new, linking the country page it was read from. */
function countryFeedEntry(change: CountryChangeView, publicBaseUrl: string): FeedEntry {
  const country = countryView(change);
  const fields = Object.keys(change.changed);
  return {
    id: entryId(publicBaseUrl, change.id),
    title: `${country.name}. ${contextWords.types[change.type]}: ${fields.join(', ')}`,
    updated: change.detectedAt,
    link: country.url?.startsWith('http') ? country.url : `${publicBaseUrl}/v1/changes?after=${change.id - 1}&limit=1`,
    summary: changedValueLines(change.changed).join('\n'),
    tags: [change.countryId, ...countryChangeCategories(change)],
  };
}

/** One entry per change: a stable tag: id, the detection time, the report's link, and a plain-text summary. */
export function feedEntry(change: FeedChange, publicBaseUrl: string): FeedEntry {
  if (!('event' in change)) return countryFeedEntry(change, publicBaseUrl);
  const { event } = change;
  const country = findCountry(event.country)?.name ?? event.country;
  const latestUpdate = event.updates.at(-1)?.text;
  const summary = [
    `Watch flag: ${event.watchFlag ? 'on' : 'off'}${change.type === 'event.watch_flag_raised' ? ' (just raised)' : change.type === 'event.watch_flag_lifted' ? ' (just lifted)' : ''}.`,
    // Feeds are in English: a report in another language says so.
    ((note) => (note ? `${note}.` : undefined))(reportLanguage(event.language, 'en')?.note),
    latestUpdate ? `Update: ${latestUpdate}` : undefined,
    excerpt(event.body, 400),
  ].filter((part) => part !== undefined && part !== '');
  return {
    id: entryId(publicBaseUrl, change.id),
    title: `${country}, ${event.month}. ${typeLabels[change.type] ?? change.type}: ${event.title}`,
    updated: change.detectedAt,
    link: event.url ?? `${publicBaseUrl}/v1/events/${encodeURIComponent(event.id)}`,
    summary: summary.join('\n\n'),
    tags: [event.country, ...event.categories],
    ...(event.language ? { language: event.language } : {}),
  };
}

const excerpt = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

function feedTitle(filters: ChangeFeedFilters): string {
  const places = [...filters.countries.map((id) => findCountry(id)?.name ?? id), ...filters.regions];
  const parts = [places.length > 0 ? places.join(', ') : 'every country', ...filters.categories, ...filters.types];
  return `Democracy Tracker changes: ${parts.join('; ')}`;
}

export interface FeedInput {
  publicBaseUrl: string;
  filters: ChangeFeedFilters;
  /** Newest first. */
  changes: readonly FeedChange[];
}

// An empty feed still needs an `updated`: a fixed one, so the same log gives the same bytes (and ETag).
const EMPTY_FEED_UPDATED = '2025-01-01T00:00:00.000Z';

export function atomFeed({ publicBaseUrl, filters, changes }: FeedInput): string {
  const entries = changes.map((change) => feedEntry(change, publicBaseUrl));
  const links = feedLinks(publicBaseUrl, filters);
  return generateAtomFeed({
    id: `tag:${new URL(publicBaseUrl).hostname},2025:feed:changes${feedQuery(filters)}`,
    title: { value: feedTitle(filters) },
    xml: { lang: 'en' },
    updated: new Date(entries[0]?.updated ?? EMPTY_FEED_UPDATED),
    authors: [{ name: 'tracker-alerts', uri: publicBaseUrl }],
    links: [
      { href: links.atom, rel: 'self', type: 'application/atom+xml' },
      { href: `${publicBaseUrl}/`, rel: 'alternate', type: 'text/html' },
    ],
    entries: entries.map((entry) => ({
      id: entry.id,
      title: { value: entry.title },
      updated: new Date(entry.updated),
      links: [{ href: entry.link, rel: 'alternate' }],
      summary: { value: entry.summary, type: 'text' },
      categories: entry.tags.map((term) => ({ term })),
      ...(entry.language ? { xml: { lang: entry.language } } : {}),
    })),
  });
}

export function jsonFeed({ publicBaseUrl, filters, changes }: FeedInput): string {
  const links = feedLinks(publicBaseUrl, filters);
  const feed = generateJsonFeed({
    title: feedTitle(filters),
    home_page_url: `${publicBaseUrl}/`,
    feed_url: links.json,
    language: 'en',
    authors: [{ name: 'tracker-alerts', url: publicBaseUrl }],
    items: changes.map((change) => {
      const entry = feedEntry(change, publicBaseUrl);
      return {
        id: entry.id,
        url: entry.link,
        title: entry.title,
        content_text: entry.summary,
        date_published: new Date(entry.updated),
        tags: entry.tags,
        ...(entry.language ? { language: entry.language } : {}),
      };
    }),
  });
  return JSON.stringify(feed);
}
