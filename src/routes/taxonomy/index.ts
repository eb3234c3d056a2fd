import { createRoute } from '@hono/zod-openapi';
import { listCategories, listCountries } from '../../db/taxonomy';
import type { Deps } from '../../services';
import { createRouter, json, problemResponses, publicSecurity } from '../router';
import { CategoryListSchema, CountryListSchema } from './schema';

const countriesRoute = createRoute({
  method: 'get',
  path: '/v1/countries',
  operationId: 'listCountries',
  security: publicSecurity,
  tags: ['Taxonomy'],
  summary: 'Every ISO 3166-1 country with its region and sub-region',
  responses: { 200: json(CountryListSchema, 'Countries sorted by name'), 500: problemResponses[500] },
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
    .openapi(countriesRoute, async (c) => {
      const rows = await listCountries(db);
      const data = rows.map((r) => ({
        id: r.id,
        alpha2: r.alpha2,
        name: r.name,
        officialName: r.official_name,
        region: r.region,
        subregion: r.subregion,
      }));
      c.header('Cache-Control', 'public, max-age=3600');
      return c.json({ data }, 200);
    })
    .openapi(categoriesRoute, async (c) => {
      c.header('Cache-Control', 'public, max-age=3600');
      return c.json({ data: await listCategories(db) }, 200);
    });
}
