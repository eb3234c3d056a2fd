import { type SqlBool, sql } from 'kysely';
import type { Db, SourceStatesTable, Tx } from './database';
import { textArray } from './text-array';

export async function loadSourceState(db: Db | Tx, url: string) {
  return db.selectFrom('source_states').selectAll().where('url', '=', url).executeTakeFirst();
}

/** The states of many sources (a crawl's pages): one array parameter, not one per URL. */
export async function loadSourceStates(db: Db | Tx, urls: readonly string[]) {
  if (urls.length === 0) return [];
  return db
    .selectFrom('source_states')
    .selectAll()
    .where(sql<SqlBool>`url = any(${textArray(urls)})`)
    .execute();
}

/**
 * Sources fetched at `at` and found as stored (a 304 keeps every validator): only their times and
 * status change, so one UPDATE with the URLs as one array parameter records them all.
 */
export async function markSourcesUnchanged(db: Db | Tx, urls: readonly string[], at: Date): Promise<void> {
  if (urls.length === 0) return;
  await db
    .updateTable('source_states')
    .set({ last_status: 'not_modified', last_fetched_at: at, last_success_at: at })
    .where(sql<SqlBool>`url = any(${textArray(urls)})`)
    .execute();
}

/** Records what a fetch of `url` gave; validators are kept from before when the source was not fetched fresh. */
export async function saveSourceState(db: Db | Tx, state: SourceStatesTable): Promise<void> {
  await saveSourceStates(db, [state]);
}

/** Records several fetches in one statement (a crawl's unchanged pages). */
export async function saveSourceStates(db: Db | Tx, states: readonly SourceStatesTable[]): Promise<void> {
  if (states.length === 0) return;
  await db
    .insertInto('source_states')
    .values([...states])
    .onConflict((oc) =>
      oc.column('url').doUpdateSet((eb) => ({
        etag: eb.ref('excluded.etag'),
        last_modified: eb.ref('excluded.last_modified'),
        last_status: eb.ref('excluded.last_status'),
        last_event_count: eb.ref('excluded.last_event_count'),
        last_fetched_at: eb.ref('excluded.last_fetched_at'),
        last_success_at: eb.ref('excluded.last_success_at'),
        body_hash: eb.ref('excluded.body_hash'),
      })),
    )
    .execute();
}
