import { DomUtils, parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesFilters } from '../src/alerts/match';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { trackerCountries } from '../src/taxonomy/tracker-countries';
import { createTestApp, type TestApp } from '../testkit/app';
import { sampleEvent } from '../testkit/events';
import { type SubscriberPageLinks, subscriberWithDigest } from '../testkit/subscriber-pages';

let t: TestApp;
let links: SubscriberPageLinks;
beforeAll(async () => {
  t = await createTestApp();
  links = await subscriberWithDigest(t, 'picker');
});
afterAll(() => t.close());

/** The picker as a reader sees it: each region group (its summary) and the country boxes in it. */
async function picker(path: string) {
  const document = parseDocument(await (await t.app.request(path)).text());
  const groups = DomUtils.findAll((e) => e.name === 'details', document.children);
  return groups.map((group) => {
    const summary = DomUtils.findOne((e) => e.name === 'summary', group.children, true)!;
    const boxes = DomUtils.findAll((e) => e.name === 'input' && e.attribs.name === 'countries', group.children);
    return {
      title: DomUtils.textContent(summary).replace(/\s+/g, ' ').trim(),
      ids: boxes.map((b) => b.attribs.value!),
      checked: boxes.filter((b) => 'checked' in b.attribs).map((b) => b.attribs.value!),
    };
  });
}

describe('the country picker', () => {
  it("offers the tracker's 173 sovereign states, each once, grouped by region, with no Antarctic group", async () => {
    const groups = await picker('/');
    expect(groups.map((g) => g.title.split(' (')[0])).toEqual(['Africa', 'Americas', 'Asia', 'Europe', 'Oceania']);
    const offered = groups.flatMap((g) => g.ids);
    expect(offered).toHaveLength(173);
    expect(new Set(offered)).toEqual(new Set(trackerCountries.map((c) => c.id)));
    // Territories and Antarctica are not offered.
    for (const id of ['ATA', 'GRL', 'PRI', 'HKG', 'BVT']) expect(offered).not.toContain(id);
    expect(groups.find((g) => g.title.startsWith('Asia'))!.ids).toContain('KAZ');
  });

  it('keeps a place chosen through the API that the picker does not list, shown ticked, so saving the page keeps it', async () => {
    const token = new URL(links.manage, 'http://x').searchParams.get('token')!;
    const put = await t.call('PUT', `/v1/preferences?token=${token}`, { countries: ['GRL', 'KAZ'] });
    expect(put.status).toBe(200);
    const groups = await picker(links.manage);
    const other = groups.find((g) => g.title === 'Other places you follow');
    expect(other).toEqual({ title: 'Other places you follow', ids: ['GRL'], checked: ['GRL'] });
    expect(groups.find((g) => g.title.startsWith('Asia'))!.checked).toEqual(['KAZ']);

    // The browser posts every ticked box back: Greenland stays chosen.
    const save = await t.app.request(links.manage, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: new URLSearchParams([
        ['countries', 'GRL'],
        ['countries', 'KAZ'],
        ['frequency', 'weekly'],
        ['timezone', 'UTC'],
      ]).toString(),
    });
    expect(save.status).toBe(303);
    expect((await findSubscriberByEmail(t.deps.db, links.email))?.countries).toEqual(['GRL', 'KAZ']);
  });

  it('events for any ISO code are still stored and matched', async () => {
    const event = sampleEvent({ id: 'picker-greenland', country: 'GRL', title: 'Greenland report' });
    const ingest = await t.call('POST', '/v1/admin/events', { events: [event] }, { admin: true });
    expect(ingest.status).toBe(200);
    const stored = await t.deps.db
      .selectFrom('events')
      .select('country_id')
      .where('title', '=', 'Greenland report')
      .executeTakeFirstOrThrow();
    expect(stored.country_id).toBe('GRL');
    expect(matchesFilters({ country: 'GRL', categories: [] }, { countries: ['GRL'], regions: [], categories: [] })).toBe(true);
    expect(matchesFilters({ country: 'GRL', categories: [] }, { countries: [], regions: ['Americas'], categories: [] })).toBe(true);
  });
});
