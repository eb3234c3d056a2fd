import type { ChangeView } from '../../db/changes';
import type { StoredEventView } from '../../db/events';
import { categories as categoryList } from '../../taxonomy/categories';
import { findCountry } from '../../taxonomy/countries';
import type { AlertChoices, DigestBadge, DigestCountry, DigestItem, DigestModel } from '../../templates/models';
import { matchesFilters, type MatchFilters } from '../match';
import type { DigestPeriod } from './period';

export interface DigestRecipient extends MatchFilters {
  email: string;
  digestCursor: number;
  timezone: string;
  choices: AlertChoices;
}

export interface DigestLinks {
  manage: string;
  unsubscribe: string;
  viewInBrowser: string;
  site: string;
}

const names = new Map<string, string>(categoryList.flatMap((c) => [[c.id, c.name] as const, ...c.factors.map((f) => [f.id, f.name] as const)]));

const fieldNames: Record<string, string> = { title: 'title', body: 'text', updates: 'update', sources: 'sources', categories: 'categories', factors: 'factors', month: 'month', url: 'link', country: 'country' };

/** Everything that happened to one event in the period, folded into one line of the digest. */
function collapse(event: StoredEventView, changes: readonly ChangeView[]): DigestItem & { newestChange: number } {
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
    url: event.url ?? '',
    month: event.month,
    categories: [...event.categories, ...event.factors].map((id) => names.get(id) ?? id),
    excerpt: event.body.slice(0, 600),
    ...(!published && changed.has('updates') && latestUpdate ? { updateText: latestUpdate } : {}),
    ...(!published && changed.size > 0 ? { changedFields: [...changed].map((f) => fieldNames[f] ?? f) } : {}),
    sources: event.sources.map((s) => (s.url ? { name: s.name, url: s.url } : { name: s.name })),
    newestChange: Math.max(...changes.map((c) => c.id)),
  };
}

/**
 * Pure: the digest a recipient gets for a period, from the changes after their cursor that
 * match their choices, one item per event, grouped by country, newest first. Null when
 * nothing matched.
 */
export function composeDigest(input: {
  recipient: DigestRecipient;
  period: DigestPeriod;
  changes: readonly ChangeView[];
  events: ReadonlyMap<string, StoredEventView>;
  links: DigestLinks;
}): { model: DigestModel; itemCount: number } | null {
  const { recipient, period, links } = input;
  const byEvent = new Map<string, ChangeView[]>();
  for (const change of input.changes) {
    if (change.id <= recipient.digestCursor) continue;
    const event = input.events.get(change.eventId);
    if (!event || !matchesFilters(event, recipient)) continue;
    byEvent.set(change.eventId, [...(byEvent.get(change.eventId) ?? []), change]);
  }
  if (byEvent.size === 0) return null;

  const items = [...byEvent].map(([id, changes]) => {
    const event = input.events.get(id)!;
    const item = collapse(event, changes);
    return { country: event.country, item: { ...item, url: item.url || `${links.site.replace(/\/$/, '')}/v1/events/${encodeURIComponent(id)}` } };
  });
  items.sort((a, b) => b.item.month.localeCompare(a.item.month) || b.item.newestChange - a.item.newestChange);
  // An email shows a few dozen reports at most (Gmail clips at ~102 KB): the rest is "N more
  // on the site", so the stored model stays small however much a subscriber follows.
  const shown = items.slice(0, MAX_ITEMS_PER_DIGEST);
  const countries = new Map<string, DigestCountry & { items: DigestItem[] }>();
  for (const { country, item } of shown) {
    const { newestChange: _, ...shown } = item;
    const group = countries.get(country) ?? { id: country, name: findCountry(country)?.name ?? country, items: [] };
    group.items.push(shown);
    countries.set(country, group);
  }
  return {
    itemCount: items.length,
    model: {
      period: { label: period.label, start: period.startAt.toISOString(), end: period.dueAt.toISOString(), timeZone: recipient.timezone },
      recipient: { email: recipient.email, choices: recipient.choices },
      countries: [...countries.values()],
      moreCount: items.length - shown.length,
      links,
    },
  };
}

export const MAX_ITEMS_PER_DIGEST = 60;
