import { isDeepStrictEqual } from 'node:util';
import { appendCountryChanges, lockChangeLog } from '../db/changes';
import { loadCountryContext, saveCountryContext } from '../db/country-contexts';
import type { Tx } from '../db/database';
import { decideCountryContextChanges } from './detect-country-context';
import type { CountryContext } from './sources/country-context';

/**
 * Records a country's context as just read, inside the caller's transaction: the stored state
 * moves to it and each change goes into the change log (none at first sight). A context equal
 * to the stored one writes nothing. Answers the number of changes appended.
 */
export async function recordCountryContext(trx: Tx, country: string, read: CountryContext, url: string, now: Date): Promise<number> {
  await lockChangeLog(trx);
  const stored = await loadCountryContext(trx, country);
  const { changes, next } = decideCountryContextChanges(country, stored?.context, read);
  if (stored && isDeepStrictEqual(stored.context, next)) return 0;
  await saveCountryContext(trx, { country_id: country, context: JSON.stringify(next), source_url: url, read_at: now });
  return appendCountryChanges(
    trx,
    changes.map((c) => ({ type: c.type, countryId: c.country, changed: c.changed })),
    now,
  );
}
