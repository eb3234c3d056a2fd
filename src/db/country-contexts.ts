import type { Insertable } from 'kysely';
import type { CountryContextsTable, Db, Tx } from './database';

export async function loadCountryContext(db: Db | Tx, countryId: string) {
  return db.selectFrom('country_contexts').selectAll().where('country_id', '=', countryId).executeTakeFirst();
}

export async function saveCountryContext(db: Db | Tx, row: Insertable<CountryContextsTable>): Promise<void> {
  await db
    .insertInto('country_contexts')
    .values(row)
    .onConflict((oc) =>
      oc.column('country_id').doUpdateSet((eb) => ({
        context: eb.ref('excluded.context'),
        source_url: eb.ref('excluded.source_url'),
        read_at: eb.ref('excluded.read_at'),
      })),
    )
    .execute();
}
