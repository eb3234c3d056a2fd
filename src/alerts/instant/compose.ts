import type { Language } from '../../db/database';
import type { StoredEventView } from '../../db/events';
import type { AlertItemRow } from '../../db/instant-alerts';
import type { InstantAlertItem, InstantAlertModel } from '../../db/instant-model';
import { countryName } from '../../i18n';
import { findCountry } from '../../taxonomy/countries';
import { monthLabel } from '../../templates/format';

/**
 * Pure: what one instant alert says. A report flagged twice in the batch (published with a flag,
 * lifted and raised again) is listed once, as first seen; a report gone from the store is left out.
 */
export function composeInstantAlert(input: {
  email: string;
  neutralSubjects?: boolean;
  language?: Language;
  links: InstantAlertModel['links'];
  items: readonly AlertItemRow[];
  events: ReadonlyMap<string, StoredEventView>;
}): InstantAlertModel {
  const language = input.language ?? 'en';
  const seen = new Set<string>();
  const items: InstantAlertItem[] = [];
  for (const row of input.items) {
    const event = input.events.get(row.eventId);
    if (!event || seen.has(row.eventId)) continue;
    seen.add(row.eventId);
    items.push({
      kind: row.type === 'event.published' ? 'published' : 'raised',
      country: countryOf(event.country, language),
      month: monthLabel(event.month, language),
      title: event.title,
      url: event.url ?? null,
      detectedAt: row.detectedAt.toISOString(),
      ...(event.language ? { language: event.language } : {}),
    });
  }
  return {
    recipient: { email: input.email },
    items,
    links: input.links,
    ...(input.neutralSubjects ? { neutralSubjects: true } : {}),
    ...(language !== 'en' ? { language } : {}),
  };
}

function countryOf(id: string, language: Language): string {
  const country = findCountry(id);
  return country ? countryName(country, language) : id;
}
