import { type Expression, type Selectable, type SqlBool, sql } from 'kysely';
import type { Db, EventsTable, Tx } from './database';
import type { NormalisedEvent } from './event-fields';

const eventColumns = [
  'id',
  'country_id',
  'month',
  'title',
  'body',
  'categories',
  'factors',
  'watch_flag',
  'updates',
  'sources',
  'url',
  'language',
  'first_seen_at',
  'last_changed_at',
] as const;

export type EventRow = Pick<Selectable<EventsTable>, (typeof eventColumns)[number]>;

export interface StoredEventView extends NormalisedEvent {
  firstSeenAt: string;
  lastChangedAt: string;
}

export function eventFromRow(row: EventRow): StoredEventView {
  return {
    id: row.id,
    country: row.country_id,
    month: row.month,
    title: row.title,
    body: row.body,
    categories: row.categories,
    factors: row.factors,
    watchFlag: row.watch_flag,
    updates: row.updates,
    sources: row.sources,
    url: row.url,
    language: row.language,
    firstSeenAt: row.first_seen_at.toISOString(),
    lastChangedAt: row.last_changed_at.toISOString(),
  };
}

/** id -> content hash of the events among `ids` that exist. */
export async function loadEventHashes(db: Db | Tx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('events')
    .select(['id', 'content_hash'])
    .where('id', '=', sql<string>`any(${sql.val([...ids])}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.id, r.content_hash]));
}

export async function loadEvents(db: Db | Tx, ids: readonly string[]): Promise<Map<string, StoredEventView>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('events')
    .select(eventColumns)
    .where('id', '=', sql<string>`any(${sql.val([...ids])}::text[])`)
    .execute();
  return new Map(rows.map((r) => [r.id, eventFromRow(r)]));
}

export interface EventWrite {
  event: NormalisedEvent;
  hash: string;
}

/**
 * Inserts new events and overwrites changed ones; first_seen_at is kept. One statement per
 * 1,000 rows keeps under PostgreSQL's 65,535 bind parameters for sources of any size.
 */
export async function upsertEvents(trx: Tx, writes: readonly EventWrite[], now: Date): Promise<void> {
  for (let start = 0; start < writes.length; start += ROWS_PER_STATEMENT) {
    await upsertEventChunk(trx, writes.slice(start, start + ROWS_PER_STATEMENT), now);
  }
}

export const ROWS_PER_STATEMENT = 1000;

async function upsertEventChunk(trx: Tx, writes: readonly EventWrite[], now: Date): Promise<void> {
  await trx
    .insertInto('events')
    .values(
      writes.map(({ event, hash }) => ({
        id: event.id,
        country_id: event.country,
        month: event.month,
        title: event.title,
        body: event.body,
        categories: event.categories,
        factors: event.factors,
        watch_flag: event.watchFlag,
        updates: JSON.stringify(event.updates),
        sources: JSON.stringify(event.sources),
        url: event.url,
        language: event.language,
        content_hash: hash,
        first_seen_at: now,
        last_changed_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        country_id: sql`excluded.country_id`,
        month: sql`excluded.month`,
        title: sql`excluded.title`,
        body: sql`excluded.body`,
        categories: sql`excluded.categories`,
        factors: sql`excluded.factors`,
        watch_flag: sql`excluded.watch_flag`,
        updates: sql`excluded.updates`,
        sources: sql`excluded.sources`,
        url: sql`excluded.url`,
        language: sql`excluded.language`,
        content_hash: sql`excluded.content_hash`,
        last_changed_at: sql`excluded.last_changed_at`,
      }),
    )
    .execute();
}

export interface EventListQuery {
  country?: string | undefined;
  /** A category id (`rights`) or a factor id (`rights.civil_liberties`). */
  category?: string | undefined;
  since?: Date | undefined;
  limit: number;
  /** Keyset position: the last row of the previous page. */
  after?: { month: string; id: string } | undefined;
}

/** Newest month first, then id; keyset-paginated so inserts never shift a page. */
export async function listEvents(db: Db, query: EventListQuery): Promise<StoredEventView[]> {
  let q = db.selectFrom('events').select(eventColumns);
  if (query.country) q = q.where('country_id', '=', query.country);
  if (query.category) {
    const column = query.category.includes('.') ? 'factors' : 'categories';
    q = q.where(sql<SqlBool>`${sql.ref(column)} @> array[${query.category}]::text[]`);
  }
  if (query.since) q = q.where('last_changed_at', '>=', query.since);
  if (query.after) {
    const { month, id } = query.after;
    q = q.where((eb): Expression<SqlBool> => eb.or([eb('month', '<', month), eb.and([eb('month', '=', month), eb('id', '>', id)])]));
  }
  const rows = await q.orderBy('month', 'desc').orderBy('id', 'asc').limit(query.limit).execute();
  return rows.map((r) => eventFromRow(r));
}

export async function findEvent(db: Db, id: string): Promise<StoredEventView | undefined> {
  const row = await db.selectFrom('events').select(eventColumns).where('id', '=', id).executeTakeFirst();
  return row ? eventFromRow(row) : undefined;
}
