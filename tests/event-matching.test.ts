import { describe, expect, it } from 'vitest';
import { matchesFilters } from '../src/alerts/match';

const none = { countries: [], regions: [], categories: [] };

describe('matching an event against chosen countries, regions and categories', () => {
  it('matches everything when nothing is chosen', () => {
    expect(matchesFilters({ country: 'KAZ', categories: ['rights'] }, none)).toBe(true);
  });

  it('matches a chosen country, or a country in a chosen region, and nothing else', () => {
    expect(matchesFilters({ country: 'KAZ', categories: [] }, { ...none, countries: ['KAZ'] })).toBe(true);
    expect(matchesFilters({ country: 'KAZ', categories: [] }, { ...none, regions: ['Asia'] })).toBe(true);
    expect(matchesFilters({ country: 'NOR', categories: [] }, { ...none, countries: ['KAZ'], regions: ['Asia'] })).toBe(false);
  });

  it('needs one shared category when categories are chosen', () => {
    const filters = { ...none, countries: ['KAZ'], categories: ['rights', 'participation'] };
    expect(matchesFilters({ country: 'KAZ', categories: ['rule_of_law', 'rights'] }, filters)).toBe(true);
    expect(matchesFilters({ country: 'KAZ', categories: ['representation'] }, filters)).toBe(false);
  });

  it("matches a factor named in the filters against the event's factors", () => {
    const filters = { ...none, categories: ['rights.civil_liberties'] };
    expect(matchesFilters({ country: 'KAZ', categories: ['rights'], factors: ['rights.civil_liberties'] }, filters)).toBe(true);
    expect(matchesFilters({ country: 'KAZ', categories: ['rights'], factors: ['rights.basic_welfare'] }, filters)).toBe(false);
  });

  it('lets an event without categories reach whoever chose its country, whatever categories they chose', () => {
    const filters = { ...none, countries: ['KAZ'], categories: ['representation'] };
    expect(matchesFilters({ country: 'KAZ', categories: [] }, filters)).toBe(true);
    expect(matchesFilters({ country: 'UZB', categories: [] }, filters)).toBe(false);
  });
});
