import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickerRegions } from '../src/pages/country-picker';
import type { CategoryList, CountryList } from '../src/routes/taxonomy/schema';
import { trackerCountries } from '../src/taxonomy/tracker-countries';
import { createTestApp, type TestApp } from '../testkit/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('taxonomy', () => {
  it('GET /v1/countries lists the 173 countries the tracker follows, by region, exactly as the picker offers them', async () => {
    const res = await t.call('GET', '/v1/countries');
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as CountryList;
    expect(data).toHaveLength(173);
    expect(data.every((c) => c.tracked)).toBe(true);
    expect(data.map((c) => c.id)).toEqual(pickerRegions('en').flatMap((r) => r.countries.map((c) => c.id)));
    expect(new Set(data.map((c) => c.id))).toEqual(new Set(trackerCountries.map((c) => c.id)));
    expect(data.map((c) => c.region)).toEqual([...data.map((c) => c.region)].sort());
    expect(data.some((c) => c.region === 'Antarctic')).toBe(false);
    expect(data.find((c) => c.id === 'KAZ')).toEqual({
      id: 'KAZ',
      alpha2: 'KZ',
      name: 'Kazakhstan',
      officialName: 'Republic of Kazakhstan',
      region: 'Asia',
      subregion: 'Central Asia',
      tracked: true,
    });
    // The sign-up page offers the same countries, no more.
    const page = await (await t.app.request('/')).text();
    const offered = [...page.matchAll(/name="countries" value="([A-Z]{3})"/g)].map((m) => m[1]);
    expect(new Set(offered)).toEqual(new Set(data.map((c) => c.id)));
  });

  it('GET /v1/countries?scope=all adds every other ISO 3166-1 country after them, flagged untracked; a bad scope is a 400 naming it', async () => {
    const { data } = (await (await t.call('GET', '/v1/countries?scope=all')).json()) as CountryList;
    expect(data).toHaveLength(249);
    expect(new Set(data.map((c) => c.id)).size).toBe(249);
    expect(data.slice(0, 173).every((c) => c.tracked)).toBe(true);
    expect(data.slice(173).every((c) => !c.tracked)).toBe(true);
    expect(data.find((c) => c.id === 'ATA')).toMatchObject({ name: 'Antarctica', tracked: false });
    expect(data.every((c) => /^[A-Z]{3}$/.test(c.id) && c.region && c.subregion)).toBe(true);
    // An untracked country is still a valid choice through the API.
    expect((await t.call('POST', '/v1/subscriptions', { email: 'untracked@example.org', countries: ['ATA'] })).status).toBe(202);

    const bad = await t.call('GET', '/v1/countries?scope=everything');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(await bad.json())).toContain('scope');
  });

  it('GET /v1/categories gives the four categories and their seventeen factors', async () => {
    const { data } = (await (await t.call('GET', '/v1/categories')).json()) as CategoryList;
    expect(data.map((c) => c.id)).toEqual(['representation', 'rights', 'rule_of_law', 'participation']);
    expect(data.map((c) => c.factors.length)).toEqual([6, 4, 4, 3]);
    expect(data[1]?.factors.map((f) => f.id)).toEqual([
      'rights.access_to_justice',
      'rights.civil_liberties',
      'rights.basic_welfare',
      'rights.political_equality',
    ]);
    expect(data[2]?.factors.at(-1)).toEqual({ id: 'rule_of_law.personal_integrity_and_security', name: 'Personal Integrity and Security' });
  });
});
