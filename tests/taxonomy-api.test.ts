import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CategoryList, CountryList } from '../src/routes/taxonomy/schema';
import { createTestApp, type TestApp } from '../testkit/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('taxonomy', () => {
  it('GET /v1/countries lists every ISO 3166-1 country with its region and sub-region', async () => {
    const { data } = (await (await t.call('GET', '/v1/countries')).json()) as CountryList;
    expect(data).toHaveLength(249);
    expect(new Set(data.map((c) => c.id)).size).toBe(249);
    expect(data.find((c) => c.id === 'KAZ')).toEqual({
      id: 'KAZ',
      alpha2: 'KZ',
      name: 'Kazakhstan',
      officialName: 'Republic of Kazakhstan',
      region: 'Asia',
      subregion: 'Central Asia',
    });
    expect(data.every((c) => /^[A-Z]{3}$/.test(c.id) && c.region && c.subregion)).toBe(true);
    expect(data.map((c) => c.name)).toEqual([...data.map((c) => c.name)].sort((a, b) => a.localeCompare(b, 'en')));
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
