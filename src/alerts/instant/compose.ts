import type { StoredEventView } from '../../db/events';
import type { AlertItemRow } from '../../db/instant-alerts';
import type { InstantAlertItem, InstantAlertModel } from '../../db/instant-model';
import { findCountry } from '../../taxonomy/countries';
import { monthLabel } from '../../templates/format';

/**
 * Pure: what one instant alert says. A report flagged twice in the batch (published with a flag,
 * lifted and raised again) is listed once, as first seen; a report gone from the store is left out.
 */
export function composeInstantAlert(input: {
  email: string;
  neutralSubjects?: boolean;
  links: InstantAlertModel['links'];
  items: readonly AlertItemRow[];
  events: ReadonlyMap<string, StoredEventView>;
}): InstantAlertModel {
  const seen = new Set<string>();
  const items: InstantAlertItem[] = [];
  for (const row of input.items) {
    const event = input.events.get(row.eventId);
    if (!event || seen.has(row.eventId)) continue;
    seen.add(row.eventId);
    items.push({
      kind: row.type === 'event.published' ? 'published' : 'raised',
      country: findCountry(event.country)?.name ?? event.country,
      month: monthLabel(event.month),
      title: event.title,
      url: event.url ?? null,
      detectedAt: row.detectedAt.toISOString(),
    });
  }
  return { recipient: { email: input.email }, items, links: input.links, ...(input.neutralSubjects ? { neutralSubjects: true } : {}) };
}
