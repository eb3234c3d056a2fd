import { type SqlBool, sql } from 'kysely';
import { type ChangeType, isEventChangeType } from './change-types';
import type { Db } from './database';
import { eventFromRow, type StoredEventView } from './events';

/** Filters of the public change feed; an empty list means "all" (as subscribers' choices do). */
export interface ChangeFeedFilters {
  countries: readonly string[];
  regions: readonly string[];
  /** Category ids or factor ids. An event without categories matches any category choice. */
  categories: readonly string[];
  types: readonly ChangeType[];
}

export interface FeedChange {
  id: number;
  type: ChangeType;
  detectedAt: string;
  previous: Record<string, unknown> | null;
  event: StoredEventView;
}

/**
 * The id of the newest committed change: one probe at the end of the primary-key index. Ids commit
 * in order (the change-log lock), so while it stays the same no answer of the feed can change.
 */
export async function changeLogHead(db: Db): Promise<number> {
  const row = await db
    .selectFrom('changes')
    .select((eb) => eb.fn.max('id').as('head'))
    .executeTakeFirst();
  return Number(row?.head ?? 0);
}

const textArray = (values: readonly string[]) => sql<string[]>`${sql.val([...values])}::text[]`;

/** Changes with `after < id <= upTo` that match the filters, in log order, each with its event as it is now. */
export async function listFeedChanges(
  db: Db,
  query: { after: number; upTo: number; limit: number; order: 'asc' | 'desc'; filters: ChangeFeedFilters },
): Promise<FeedChange[]> {
  const { countries, regions, categories, types } = query.filters;
  let q = db
    .selectFrom('changes as ch')
    .innerJoin('events as e', 'e.id', 'ch.event_id')
    .select([
      'ch.id as change_id',
      'ch.type as change_type',
      'ch.detected_at',
      'ch.previous',
      'e.id',
      'e.country_id',
      'e.month',
      'e.title',
      'e.body',
      'e.categories',
      'e.factors',
      'e.watch_flag',
      'e.updates',
      'e.sources',
      'e.url',
      'e.first_seen_at',
      'e.last_changed_at',
    ])
    .where('ch.id', '>', query.after)
    .where('ch.id', '<=', query.upTo);
  if (types.length > 0) q = q.where(sql<SqlBool>`ch.type = any(${textArray(types)})`);
  if (countries.length > 0 || regions.length > 0) {
    q = q.where(
      sql<SqlBool>`(e.country_id = any(${textArray(countries)})
        or exists (select 1 from countries co where co.id = e.country_id and co.region = any(${textArray(regions)})))`,
    );
  }
  if (categories.length > 0) {
    const chosen = textArray(categories);
    q = q.where(sql<SqlBool>`(cardinality(e.categories) = 0 or e.categories && ${chosen} or e.factors && ${chosen})`);
  }
  const rows = await q.orderBy('ch.id', query.order).limit(query.limit).execute();
  // The join keeps event changes only; the guard narrows the change log's wider type to them.
  return rows.flatMap((r) =>
    isEventChangeType(r.change_type)
      ? [
          {
            id: Number(r.change_id),
            type: r.change_type,
            detectedAt: r.detected_at.toISOString(),
            previous: r.previous,
            event: eventFromRow(r),
          },
        ]
      : [],
  );
}
