import type { ChangeView, CountryChangeView } from '../../db/changes';
import type { StoredEventView } from '../../db/events';
import { findCountry } from '../../taxonomy/countries';

/** One changed event of the window with its changes (oldest first). */
export interface WindowEvent {
  event: StoredEventView;
  changes: readonly ChangeView[];
  /** Position in digest order: month newest first, then the newest change first. */
  rank: number;
  newestChange: number;
  /** Its digest line when every change is new to the reader (the usual case), built once per tick. */
  item?: { site: string; value: unknown };
}

/**
 * The changes a tick's digests draw from, indexed once per tick: every changed event in
 * digest order, and the same by country and by region, so a subscriber's selection is a
 * lookup of the few lists they follow instead of a scan of the whole window.
 */
export interface ChangeWindow {
  upTo: number;
  all: readonly WindowEvent[];
  byCountry: ReadonlyMap<string, readonly WindowEvent[]>;
  byRegion: ReadonlyMap<string, readonly WindowEvent[]>;
  /** Country context changes of the window, oldest first (for readers who chose country context). */
  countryChanges: readonly CountryChangeView[];
}

export function indexChangeWindow(
  upTo: number,
  changes: readonly ChangeView[],
  events: ReadonlyMap<string, StoredEventView>,
  countryChanges: readonly CountryChangeView[] = [],
): ChangeWindow {
  const byEvent = new Map<string, ChangeView[]>();
  for (const change of changes) {
    if (!events.has(change.eventId)) continue;
    const list = byEvent.get(change.eventId);
    if (list) list.push(change);
    else byEvent.set(change.eventId, [change]);
  }
  const all = [...byEvent].map(([id, list]) => {
    const sorted = list.sort((a, b) => a.id - b.id);
    return { event: events.get(id)!, changes: sorted, rank: 0, newestChange: sorted.at(-1)!.id };
  });
  all.sort((a, b) => b.event.month.localeCompare(a.event.month) || b.newestChange - a.newestChange);
  for (const [rank, entry] of all.entries()) entry.rank = rank;
  const byCountry = new Map<string, WindowEvent[]>();
  const byRegion = new Map<string, WindowEvent[]>();
  const add = (map: Map<string, WindowEvent[]>, key: string, entry: WindowEvent) => {
    const list = map.get(key);
    if (list) list.push(entry);
    else map.set(key, [entry]);
  };
  for (const entry of all) {
    add(byCountry, entry.event.country, entry);
    const region = findCountry(entry.event.country)?.region;
    if (region) add(byRegion, region, entry);
  }
  return { upTo, all, byCountry, byRegion, countryChanges };
}

/** The window's events in the places a subscriber follows (all of them when none), in digest order. */
export function eventsInPlaces(
  window: ChangeWindow,
  places: { countries: readonly string[]; regions: readonly string[] },
): readonly WindowEvent[] {
  if (places.countries.length === 0 && places.regions.length === 0) return window.all;
  const lists: (readonly WindowEvent[])[] = [];
  for (const id of places.countries) {
    const list = window.byCountry.get(id);
    if (list) lists.push(list);
  }
  for (const region of places.regions) {
    const list = window.byRegion.get(region);
    if (list) lists.push(list);
  }
  if (lists.length <= 1) return lists[0] ?? [];
  // A country may also lie in a chosen region: each event once.
  return [...new Set(lists.flat())].sort((a, b) => a.rank - b.rank);
}
