import type { ChangeView } from '../../db/changes';
import type { StoredEventView } from '../../db/events';
import { categories as categoryList } from '../../taxonomy/categories';
import { findCountry } from '../../taxonomy/countries';
import { EXCERPT_MAX } from '../../templates/digest-prepare';
import { shorten } from '../../templates/format';
import type { AlertChoices, DigestBadge, DigestCountry, DigestItem, DigestModel } from '../../templates/models';
import { type MatchFilters, matchesFilters } from '../match';
import { composeCountryContext } from './country-context';
import type { DigestPeriod } from './period';
import { type ChangeWindow, eventsInPlaces, type WindowEvent } from './window';

export interface DigestRecipient extends MatchFilters {
  email: string;
  digestCursor: number;
  timezone: string;
  choices: AlertChoices;
  /** Reports an instant alert already told this reader about, by event id: the day it did, as shown. */
  alertedOn?: ReadonlyMap<string, string>;
  /** The reader chose the "Country context" section. */
  countryContext?: boolean;
}

export interface DigestLinks {
  manage: string;
  unsubscribe: string;
  viewInBrowser: string;
  site: string;
  feed?: string;
}

const names = new Map<string, string>(
  categoryList.flatMap((c) => [[c.id, c.name] as const, ...c.factors.map((f) => [f.id, f.name] as const)]),
);

const fieldNames: Record<string, string> = {
  title: 'title',
  body: 'text',
  updates: 'update',
  sources: 'sources',
  categories: 'categories',
  factors: 'factors',
  month: 'month',
  url: 'link',
  country: 'country',
  language: 'language',
};

/** Everything that happened to one event in the period, folded into one line of the digest. */
function collapse(event: StoredEventView, changes: readonly ChangeView[], site: string): DigestItem {
  const published = changes.some((c) => c.type === 'event.published');
  const flagChanges = changes.filter((c) => c.type === 'event.watch_flag_raised' || c.type === 'event.watch_flag_lifted');
  const flagBefore = flagChanges[0]?.previous?.watchFlag;
  const flagFlipped = flagChanges.length > 0 && flagBefore !== event.watchFlag;
  const changed = new Set(changes.filter((c) => c.type === 'event.updated').flatMap((c) => Object.keys(c.previous ?? {})));
  const badge: DigestBadge = published ? 'new' : flagFlipped ? (event.watchFlag ? 'watch_flag_raised' : 'watch_flag_lifted') : 'updated';
  const latestUpdate = event.updates.at(-1)?.text;
  return {
    badge,
    title: event.title,
    ...(event.watchFlag ? { watchFlag: true } : {}),
    url: event.url || `${site.replace(/\/$/, '')}/v1/events/${encodeURIComponent(event.id)}`,
    month: event.month,
    categories: [...event.categories, ...event.factors].map((id) => names.get(id) ?? id),
    // Cut as the email cuts it, so the stored model carries no text that is never shown.
    excerpt: shorten(event.body, EXCERPT_MAX),
    ...(!published && changed.has('updates') && latestUpdate ? { updateText: latestUpdate } : {}),
    ...(!published && changed.size > 0 ? { changedFields: [...changed].map((f) => fieldNames[f] ?? f) } : {}),
    sources: event.sources.map((s) => (s.url ? { name: s.name, url: s.url } : { name: s.name })),
    ...(event.language ? { language: event.language } : {}),
  };
}

/** The event's line for a reader whose cursor is `cursor`: only the changes after it count. */
function itemFor(entry: WindowEvent, cursor: number, site: string): DigestItem {
  if (entry.changes[0]!.id > cursor) {
    if (entry.item?.site !== site) entry.item = { site, value: collapse(entry.event, entry.changes, site) };
    return entry.item.value as DigestItem;
  }
  return collapse(
    entry.event,
    entry.changes.filter((c) => c.id > cursor),
    site,
  );
}

/**
 * Pure: the digest a recipient gets for a period, from the changes after their cursor that
 * match their choices, one item per event, grouped by country, newest first, and (when they
 * chose it) the "Country context" section. Null when nothing matched.
 */
export function composeDigest(input: {
  recipient: DigestRecipient;
  period: DigestPeriod;
  window: ChangeWindow;
  links: DigestLinks;
}): { model: DigestModel; itemCount: number } | null {
  const { recipient, period, links } = input;
  const cursor = recipient.digestCursor;
  // An email shows the newest few dozen reports at most (more is not read in an email, and
  // Gmail clips at ~102 KB): the rest is "N more on the site", so the stored model and the
  // email stay small however much a subscriber follows.
  const shown: WindowEvent[] = [];
  let matched = 0;
  for (const entry of eventsInPlaces(input.window, recipient)) {
    if (entry.newestChange <= cursor || !matchesFilters(entry.event, recipient)) continue;
    matched++;
    if (shown.length < MAX_ITEMS_PER_DIGEST) shown.push(entry);
  }
  const context = recipient.countryContext ? composeCountryContext(input.window.countryChanges, recipient) : { lines: [], more: 0 };
  if (matched === 0 && context.lines.length === 0) return null;

  const countries = new Map<string, DigestCountry & { items: DigestItem[] }>();
  for (const entry of shown) {
    const country = entry.event.country;
    const group = countries.get(country) ?? { id: country, name: findCountry(country)?.name ?? country, items: [] };
    const item = itemFor(entry, cursor, links.site);
    const alertedOn = recipient.alertedOn?.get(entry.event.id);
    group.items.push(alertedOn ? { ...item, alertedOn } : item);
    countries.set(country, group);
  }
  return {
    itemCount: matched,
    model: {
      period: { label: period.label, start: period.startAt.toISOString(), end: period.dueAt.toISOString(), timeZone: recipient.timezone },
      recipient: { email: recipient.email, choices: recipient.choices },
      countries: [...countries.values()],
      moreCount: matched - shown.length,
      links,
      ...(context.lines.length > 0 ? { countryContext: context.lines } : {}),
      ...(context.more > 0 ? { countryContextMore: context.more } : {}),
    },
  };
}

export const MAX_ITEMS_PER_DIGEST = 30;
