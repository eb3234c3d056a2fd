import { z } from '@hono/zod-openapi';

export const CountrySchema = z
  .object({
    id: z.string().openapi({ example: 'KAZ', description: 'ISO 3166-1 alpha-3' }),
    alpha2: z.string().openapi({ example: 'KZ' }),
    name: z.string().openapi({ example: 'Kazakhstan' }),
    officialName: z.string().openapi({ example: 'Republic of Kazakhstan' }),
    region: z.string().openapi({ example: 'Asia' }),
    subregion: z.string().openapi({ example: 'Central Asia' }),
    tracked: z.boolean().openapi({
      example: true,
      description:
        'Whether the Democracy Tracker follows this country (one of its 173): only these are offered by the sign-up and preference pages',
    }),
  })
  .openapi('Country');

export const CountryListQuerySchema = z.object({
  scope: z
    .enum(['tracked', 'all'])
    .default('tracked')
    .openapi({
      param: { name: 'scope', in: 'query' },
      description:
        '`tracked` (default): the 173 countries the tracker follows, as the pages offer them. `all`: every ISO 3166-1 country (249); ' +
        'those the tracker does not follow come after, flagged `tracked: false`. Events, filters and subscriptions accept any of them.',
      example: 'tracked',
    }),
});

export const CountryListSchema = z.object({ data: z.array(CountrySchema) }).openapi('CountryList');

export const CategorySchema = z
  .object({
    id: z.string().openapi({ example: 'rights' }),
    name: z.string().openapi({ example: 'Rights' }),
    factors: z.array(
      z.object({
        id: z.string().openapi({ example: 'rights.civil_liberties' }),
        name: z.string().openapi({ example: 'Civil Liberties' }),
      }),
    ),
  })
  .openapi('Category');

export const CategoryListSchema = z.object({ data: z.array(CategorySchema) }).openapi('CategoryList');

export type CountryList = z.infer<typeof CountryListSchema>;
export type CategoryList = z.infer<typeof CategoryListSchema>;
