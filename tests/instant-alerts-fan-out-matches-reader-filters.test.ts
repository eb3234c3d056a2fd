import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput } from '../src/alerts/event';
import { fanOutWatchFlags } from '../src/alerts/instant/fanout';
import { matchesFilters } from '../src/alerts/match';
import { loadEvents } from '../src/db/events';
import { findCountry } from '../src/taxonomy/countries';
import { createTestApp, type TestApp } from '../testkit/app';
import { ingestInputs, sampleEvent } from '../testkit/events';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

interface Filters {
  countries: string[];
  regions: string[];
  categories: string[];
}

/** Readers with instant alerts, one kind of filter each (empty lists mean "all"). */
const readers: Record<string, Filters> = {
  everything: { countries: [], regions: [], categories: [] },
  kazakhstan: { countries: ['KAZ'], regions: [], categories: [] },
  europe: { countries: [], regions: ['Europe'], categories: [] },
  norwayRepresentation: { countries: ['NOR'], regions: [], categories: ['representation'] },
  rightsAnywhere: { countries: [], regions: [], categories: ['rights'] },
  civilLibertiesAnywhere: { countries: [], regions: [], categories: ['rights.civil_liberties'] },
  kazakhstanRuleOfLaw: { countries: ['KAZ'], regions: [], categories: ['rule_of_law'] },
};

/** Flagged reports (and one without a flag), by what their place and categories are. */
const reports: Record<string, EventInput> = {
  kazRights: sampleEvent({ country: 'KAZ', watchFlag: true, categories: ['rights'], factors: ['rights.civil_liberties'] }),
  norRepresentation: sampleEvent({ country: 'NOR', watchFlag: true, categories: ['representation'], factors: [] }),
  kenUncategorised: sampleEvent({ country: 'KEN', watchFlag: true, categories: [], factors: [] }),
  sweRuleOfLaw: sampleEvent({ country: 'SWE', watchFlag: true, categories: ['rule_of_law'], factors: [] }),
  kazNoFlag: sampleEvent({ country: 'KAZ', watchFlag: false }),
};

async function addReader(email: string, filters: Filters, o: { confirmed?: boolean; instant?: boolean } = {}) {
  const at = new Date('2025-01-10T00:00:00Z');
  await t.deps.db
    .insertInto('subscribers')
    .values({
      email,
      status: o.confirmed === false ? 'pending' : 'confirmed',
      countries: filters.countries,
      regions: filters.regions,
      categories: filters.categories,
      frequency: 'monthly',
      timezone: 'UTC',
      skip_empty: false,
      instant_alerts: o.instant ?? true,
      created_at: at,
      updated_at: at,
      confirmed_at: o.confirmed === false ? null : at,
      consent_at: at,
      consent_source: 'api',
    })
    .execute();
}

const everything: Filters = { countries: [], regions: [], categories: [] };

describe('instant alert fan-out', () => {
  it("queues a flagged report for exactly the readers whose countries, regions and categories it matches, as the digest's matcher decides", async () => {
    for (const [name, filters] of Object.entries(readers)) await addReader(`${name}@example.org`, filters);
    await addReader('no-instant@example.org', everything, { instant: false });
    await addReader('unconfirmed@example.org', everything, { confirmed: false });
    await ingestInputs(t.deps, Object.values(reports));

    expect(await fanOutWatchFlags(t.deps)).toMatchObject({ items: 12 });

    const nameOf = new Map(Object.entries(reports).map(([name, e]) => [e.id, name]));
    const queued = await t.deps.db
      .selectFrom('instant_alert_items as i')
      .innerJoin('subscribers as s', 's.id', 'i.subscriber_id')
      .innerJoin('instant_alerts as a', 'a.id', 'i.alert_id')
      .select(['s.email', 'i.event_id', 'a.status', 'a.subscriber_id', 'i.subscriber_id as item_subscriber_id'])
      .execute();
    expect(queued.every((q) => q.status === 'pending' && q.subscriber_id === q.item_subscriber_id)).toBe(true);
    const got = queued.map((q) => `${q.email.replace('@example.org', '')} <- ${nameOf.get(q.event_id)}`).sort();
    expect(got).toEqual(
      [
        'everything <- kazRights',
        'everything <- norRepresentation',
        'everything <- kenUncategorised',
        'everything <- sweRuleOfLaw',
        'kazakhstan <- kazRights',
        'europe <- norRepresentation',
        'europe <- sweRuleOfLaw',
        'norwayRepresentation <- norRepresentation',
        'rightsAnywhere <- kazRights',
        'rightsAnywhere <- kenUncategorised',
        'civilLibertiesAnywhere <- kazRights',
        'civilLibertiesAnywhere <- kenUncategorised',
      ].sort(),
    );

    // The same pairs as the digest's matcher (src/alerts/match.ts) gives for the stored reports.
    const stored = await loadEvents(
      t.deps.db,
      Object.values(reports).map((e) => e.id),
    );
    const expected = Object.entries(readers).flatMap(([reader, filters]) =>
      Object.entries(reports)
        .filter(([, e]) => e.watchFlag && matchesFilters(stored.get(e.id)!, filters))
        .map(([report]) => `${reader} <- ${report}`),
    );
    expect(got).toEqual(expected.sort());
    expect(findCountry('SWE')?.region).toBe('Europe');
  });

  it('a second fan-out of the same changes adds nothing', async () => {
    expect(await fanOutWatchFlags(t.deps)).toEqual({ changes: 0, items: 0 });
    const items = await t.deps.db
      .selectFrom('instant_alert_items')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(items.n)).toBe(12);
  });
});
