import type { Db, SourceStatesTable, Tx } from './database';

export async function loadSourceState(db: Db | Tx, url: string) {
  return db.selectFrom('source_states').selectAll().where('url', '=', url).executeTakeFirst();
}

export async function loadSourceStates(db: Db | Tx, urls: string[]) {
  if (urls.length === 0) return [];
  return db.selectFrom('source_states').selectAll().where('url', 'in', urls).execute();
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
