import { sql } from 'kysely';
import type { Db, Tx } from './database';

/** The taxonomy's datasets (src/taxonomy/ holds them): the rows of countries, categories and factors. */
export interface TaxonomySeed {
  countries: readonly { id: string; alpha2: string; name: string; officialName: string; region: string; subregion: string }[];
  /** In display order; each category's factors too. */
  categories: readonly { id: string; name: string; factors: readonly { id: string; name: string }[] }[];
}

/** Upserts the taxonomy from its datasets; safe to run on every start. */
export async function syncTaxonomy(db: Db | Tx, { countries, categories }: TaxonomySeed): Promise<void> {
  await db
    .insertInto('countries')
    .values(
      countries.map((c) => ({
        id: c.id,
        alpha2: c.alpha2,
        name: c.name,
        official_name: c.officialName,
        region: c.region,
        subregion: c.subregion,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        alpha2: sql`excluded.alpha2`,
        name: sql`excluded.name`,
        official_name: sql`excluded.official_name`,
        region: sql`excluded.region`,
        subregion: sql`excluded.subregion`,
      }),
    )
    .execute();
  await db
    .insertInto('categories')
    .values(categories.map((c, position) => ({ id: c.id, name: c.name, position })))
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: sql`excluded.name`, position: sql`excluded.position` }))
    .execute();
  await db
    .insertInto('factors')
    .values(categories.flatMap((c) => c.factors.map((f, position) => ({ id: f.id, category_id: c.id, name: f.name, position }))))
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        category_id: sql`excluded.category_id`,
        name: sql`excluded.name`,
        position: sql`excluded.position`,
      }),
    )
    .execute();
}

export async function listCategories(db: Db) {
  const [cats, factors] = await Promise.all([
    db.selectFrom('categories').select(['id', 'name']).orderBy('position').execute(),
    db.selectFrom('factors').select(['id', 'category_id', 'name']).orderBy('category_id').orderBy('position').execute(),
  ]);
  return cats.map((c) => ({
    id: c.id,
    name: c.name,
    factors: factors.filter((f) => f.category_id === c.id).map((f) => ({ id: f.id, name: f.name })),
  }));
}
