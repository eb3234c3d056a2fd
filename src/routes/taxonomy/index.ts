import { createRoute } from '@hono/zod-openapi';
import { listCategories } from '../../db/taxonomy';
import type { Deps } from '../../services';
import type { Country } from '../../taxonomy/countries';
import { trackedRegions, untrackedCountries } from '../../taxonomy/tracked-countries';
import { createRouter, json, problemResponses, publicSecurity } from '../router';
import { CategoryListSchema, CountryListQuerySchema, CountryListSchema } from './schema';

const countryView = ({ id, alpha2, name, officialName, region, subregion }: Country, tracked: boolean) => ({
  id,
  alpha2,
  name,
  officialName,
  region,
  subregion,
  tracked,
});

const countriesRoute = createRoute({
  method: 'get',
  path: '/v1/countries',
  operationId: 'listCountries',
  security: publicSecurity,
  tags: ['Taxonomy'],
  summary: 'The countries the tracker follows (173), or with `scope=all` every ISO 3166-1 country',
  description:
    'Lists what the sign-up and preference pages offer: the 173 countries the Democracy Tracker follows, by UN region ' +
    '(regions in alphabetical order, countries by name within each), each with `tracked: true`. `scope=all` adds the other ' +
    'ISO 3166-1 countries and territories (76, in the same order after them) with `tracked: false`: the tracker publishes no ' +
    'reports on them, yet events, filters and subscriptions accept any ISO 3166-1 alpha-3 code.',
  request: { query: CountryListQuerySchema },
  responses: {
    200: json(CountryListSchema, 'Tracked countries by region, then (scope=all) the others'),
    400: problemResponses[400],
    500: problemResponses[500],
  },
});

const categoriesRoute = createRoute({
  method: 'get',
  path: '/v1/categories',
  operationId: 'listCategories',
  security: publicSecurity,
  tags: ['Taxonomy'],
  summary: 'The four categories of democratic performance and their factors',
  responses: { 200: json(CategoryListSchema, 'Categories in framework order'), 500: problemResponses[500] },
});

export function taxonomyRoutes({ db }: Deps) {
  return createRouter()
    .openapi(countriesRoute, (c) => {
      const tracked = trackedRegions.flatMap((r) => r.countries.map((country) => countryView(country, true)));
      const others = c.req.valid('query').scope === 'all' ? untrackedCountries.map((country) => countryView(country, false)) : [];
      c.header('Cache-Control', 'public, max-age=3600');
      return c.json({ data: [...tracked, ...others] }, 200);
    })
    .openapi(categoriesRoute, async (c) => {
      c.header('Cache-Control', 'public, max-age=3600');
      return c.json({ data: await listCategories(db) }, 200);
    });
}
