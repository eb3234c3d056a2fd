import { type SqlBool, sql } from 'kysely';
import { type AnyChangeType, type ChangeType, isCountryChangeType, isEventChangeType } from './change-types';
import type { ChangedValues, CountryChangeView } from './changes';
import type { Db } from './database';
import { type EventRow, eventFromRow, type StoredEventView } from './events';
import { textArray } from './text-array';

/** Filters of the public change feed; an empty list means "all" (as subscribers' choices do). */
export interface ChangeFeedFilters {
  countries: readonly string[];
  regions: readonly string[];
  /**
   * Category ids or factor ids. An event without categories matches any category choice; a country
   * change matches by the category its ranking or trend names (`categoryNames`), or any when it names none.
   */
  categories: readonly string[];
  types: readonly AnyChangeType[];
}

export interface EventFeedChange {
  id: number;
  type: ChangeType;
  detectedAt: string;
  previous: Record<string, unknown> | null;
  event: StoredEventView;
}

export type FeedChange = EventFeedChange | CountryChangeView;

/** Country changes whose `previous` keys are category names (Representation, Rule of Law...). */
const perCategoryCountryTypes: AnyChangeType[] = ['country.ranking_changed', 'country.performance_changed'];

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

/**
 * Changes with `after < id <= upTo` that match the filters, in log order: an event change with its
 * event as it is now, a country change with its changed values and the page it was read from.
 * `categoryNames` are the names country pages give the chosen categories (the caller maps the ids).
 */
export async function listFeedChanges(
  db: Db,
  query: {
    after: number;
    upTo: number;
    limit: number;
    order: 'asc' | 'desc';
    filters: ChangeFeedFilters;
    categoryNames: readonly string[];
  },
): Promise<FeedChange[]> {
  const { countries, regions, categories, types } = query.filters;
  let q = db
    .selectFrom('changes as ch')
    .leftJoin('events as e', 'e.id', 'ch.event_id')
    .leftJoin('country_contexts as cc', 'cc.country_id', 'ch.country_id')
    .select([
      'ch.id as change_id',
      'ch.type as change_type',
      'ch.detected_at',
      'ch.previous',
      'ch.country_id as change_country_id',
      'cc.source_url',
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
      'e.language',
      'e.first_seen_at',
      'e.last_changed_at',
    ])
    .where('ch.id', '>', query.after)
    .where('ch.id', '<=', query.upTo);
  if (types.length > 0) q = q.where(sql<SqlBool>`ch.type = any(${textArray(types)})`);
  if (countries.length > 0 || regions.length > 0) {
    q = q.where(
      sql<SqlBool>`(coalesce(e.country_id, ch.country_id) = any(${textArray(countries)})
        or exists (select 1 from countries co where co.id = coalesce(e.country_id, ch.country_id) and co.region = any(${textArray(regions)})))`,
    );
  }
  if (categories.length > 0) {
    const chosen = textArray(categories);
    q = q.where(
      sql<SqlBool>`(case when ch.event_id is not null
        then cardinality(e.categories) = 0 or e.categories && ${chosen} or e.factors && ${chosen}
        else ch.type <> all(${textArray(perCategoryCountryTypes)})
          or jsonb_exists_any(ch.previous, ${textArray(query.categoryNames)}) end)`,
    );
  }
  const rows = await q.orderBy('ch.id', query.order).limit(query.limit).execute();
  return rows.flatMap((r): FeedChange[] => {
    const common = { id: Number(r.change_id), detectedAt: r.detected_at.toISOString() };
    if (r.change_country_id !== null && isCountryChangeType(r.change_type)) {
      const changed = (r.previous ?? {}) as ChangedValues;
      return [{ ...common, type: r.change_type, countryId: r.change_country_id, changed, sourceUrl: r.source_url }];
    }
    // An event change whose event row is there (the left join); the guards narrow the types.
    if (r.id === null || !isEventChangeType(r.change_type)) return [];
    return [{ ...common, type: r.change_type, previous: r.previous, event: eventFromRow(r as EventRow) }];
  });
}
