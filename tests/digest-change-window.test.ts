import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeDigest, MAX_ITEMS_PER_DIGEST } from '../src/alerts/digest/compose';
import { latestDuePeriod } from '../src/alerts/digest/period';
import { indexChangeWindow } from '../src/alerts/digest/window';
import { matchesFilters } from '../src/alerts/match';
import type { ChangeView } from '../src/db/changes';
import type { StoredEventView } from '../src/db/events';

// Countries in two regions (KAZ, ARM: Asia; NOR, FRA: Europe) and one with no region entry.
const places = ['KAZ', 'ARM', 'NOR', 'FRA', 'BRA'];
const regionsOf = ['Asia', 'Europe', 'Americas'];
const categories = ['rights', 'representation', 'rule_of_law'];
const types: ChangeView['type'][] = ['event.published', 'event.updated', 'event.watch_flag_raised', 'event.watch_flag_lifted'];
const links = { manage: 'https://x.org/m', unsubscribe: 'https://x.org/u', viewInBrowser: 'https://x.org/v', site: 'https://x.org/' };
const period = latestDuePeriod('monthly', 'UTC', new Date('2025-02-01T09:00:00Z'));

const eventArb = fc.record({
  country: fc.constantFrom(...places),
  month: fc.constantFrom('2024-11', '2024-12', '2025-01'),
  categories: fc.subarray(categories),
  watchFlag: fc.boolean(),
});
const windowArb = fc.record({
  events: fc.array(eventArb, { minLength: 1, maxLength: 90 }),
  changes: fc.array(fc.record({ event: fc.nat(), type: fc.constantFrom(...types) }), { minLength: 1, maxLength: 150 }),
});
const subscriberArb = fc.record({
  countries: fc.subarray(places, { maxLength: 3 }),
  regions: fc.subarray(regionsOf, { maxLength: 2 }),
  categories: fc.subarray(categories, { maxLength: 2 }),
  cursor: fc.nat({ max: 150 }),
});

/** The documented rule written out plainly: scan every change after the cursor. */
function expectedTitles(
  changes: ChangeView[],
  events: Map<string, StoredEventView>,
  s: { countries: string[]; regions: string[]; categories: string[]; cursor: number },
) {
  const newest = new Map<string, number>();
  for (const c of changes)
    if (c.id > s.cursor && matchesFilters(events.get(c.eventId)!, s)) newest.set(c.eventId, Math.max(newest.get(c.eventId) ?? 0, c.id));
  const ordered = [...newest].sort(([a, na], [b, nb]) => events.get(b)!.month.localeCompare(events.get(a)!.month) || nb - na);
  return { count: ordered.length, shown: ordered.slice(0, MAX_ITEMS_PER_DIGEST).map(([id]) => events.get(id)!.title) };
}

describe('the change window is indexed once per tick', () => {
  it("a subscriber's digest from the index equals a scan of every change after their cursor", () => {
    fc.assert(
      fc.property(windowArb, fc.array(subscriberArb, { minLength: 1, maxLength: 8 }), (w, subscribers) => {
        const events = new Map<string, StoredEventView>(
          w.events.map((e, i) => [
            `e${i}`,
            {
              id: `e${i}`,
              ...e,
              title: `Report ${i}`,
              body: 'Text.',
              factors: [],
              updates: [],
              sources: [],
              url: null,
              language: null,
              firstSeenAt: '',
              lastChangedAt: '',
            },
          ]),
        );
        const changes: ChangeView[] = w.changes.map((c, i) => ({
          id: i + 1,
          type: c.type,
          eventId: `e${c.event % w.events.length}`,
          previous: null,
          detectedAt: '',
        }));
        const window = indexChangeWindow(changes.length, changes, events);
        for (const s of subscribers) {
          const recipient = {
            email: 'a@example.org',
            digestCursor: s.cursor,
            timezone: 'UTC',
            countries: s.countries,
            regions: s.regions,
            categories: s.categories,
            choices: { countries: s.countries, regions: s.regions, categories: s.categories, frequency: 'monthly' as const },
          };
          const composed = composeDigest({ recipient, period, window, links });
          const expected = expectedTitles(changes, events, s);
          if (expected.count === 0) {
            expect(composed).toBeNull();
            continue;
          }
          expect(composed!.itemCount).toBe(expected.count);
          expect(composed!.model.moreCount).toBe(expected.count - expected.shown.length);
          // Grouped by country in order of each country's first (newest) item.
          const byCountry = new Map<string, string[]>();
          for (const title of expected.shown) {
            const country = events.get(`e${title.slice('Report '.length)}`)!.country;
            byCountry.set(country, [...(byCountry.get(country) ?? []), title]);
          }
          expect(composed!.model.countries.map((c) => [c.id, c.items.map((i) => i.title)])).toEqual([...byCountry]);
        }
      }),
      { numRuns: 200, seed: 6 },
    );
  });

  it("a reader whose cursor is inside an event's changes sees only the later ones", () => {
    const event: StoredEventView = {
      id: 'e1',
      country: 'KAZ',
      month: '2025-01',
      title: 'Law',
      body: 'Text.',
      categories: [],
      factors: [],
      watchFlag: true,
      updates: [],
      sources: [],
      url: null,
      language: null,
      firstSeenAt: '',
      lastChangedAt: '',
    };
    const changes: ChangeView[] = [
      { id: 1, type: 'event.published', eventId: 'e1', previous: null, detectedAt: '' },
      { id: 2, type: 'event.watch_flag_raised', eventId: 'e1', previous: { watchFlag: false }, detectedAt: '' },
    ];
    const window = indexChangeWindow(2, changes, new Map([['e1', event]]));
    const recipient = (digestCursor: number) => ({
      email: 'a@example.org',
      digestCursor,
      timezone: 'UTC',
      countries: [],
      regions: [],
      categories: [],
      choices: { countries: [], regions: [], categories: [], frequency: 'monthly' as const },
    });
    const badge = (cursor: number) =>
      composeDigest({ recipient: recipient(cursor), period, window, links })?.model.countries[0]?.items[0]?.badge;
    expect(badge(0)).toBe('new');
    expect(badge(1)).toBe('watch_flag_raised');
    expect(badge(0)).toBe('new'); // the shared line of the first reader is not changed by the second
    expect(composeDigest({ recipient: recipient(2), period, window, links })).toBeNull();
  });
});
