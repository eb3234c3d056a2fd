import { z } from '@hono/zod-openapi';

export const CountrySchema = z
  .object({
    id: z.string().openapi({ example: 'KAZ', description: 'ISO 3166-1 alpha-3' }),
    alpha2: z.string().openapi({ example: 'KZ' }),
    name: z.string().openapi({ example: 'Kazakhstan' }),
    officialName: z.string().openapi({ example: 'Republic of Kazakhstan' }),
    region: z.string().openapi({ example: 'Asia' }),
    subregion: z.string().openapi({ example: 'Central Asia' }),
  })
  .openapi('Country');

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
