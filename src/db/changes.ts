import { type SqlBool, sql } from 'kysely';
import {
  type AnyChangeType,
  type ChangeDecision,
  type ChangeType,
  type CountryChangeType,
  isCountryChangeType,
  isEventChangeType,
} from './change-types';
import type { Db, Tx } from './database';
import { ROWS_PER_STATEMENT } from './events';
import { textArray } from './text-array';

// An arbitrary, fixed advisory-lock key that names "appending to the change log".
const CHANGE_LOG_LOCK = 7_104_202_501;

/**
 * Serialises writers of the change log until their transaction ends. Taken before the
 * writer reads stored state, it also makes "is this event new?" race-free; and because
 * ids are drawn and committed in lock order, a reader of `id > cursor` never sees a
 * lower id commit after a higher one.
 */
export async function lockChangeLog(trx: Tx): Promise<void> {
  await sql`select pg_advisory_xact_lock(${CHANGE_LOG_LOCK}::bigint)`.execute(trx);
}

export interface ChangeWrite extends ChangeDecision {
  eventId: string;
}

export async function appendChanges(trx: Tx, changes: readonly ChangeWrite[], detectedAt: Date): Promise<number> {
  for (let start = 0; start < changes.length; start += ROWS_PER_STATEMENT) {
    await trx
      .insertInto('changes')
      .values(
        changes.slice(start, start + ROWS_PER_STATEMENT).map((c) => ({
          type: c.type,
          event_id: c.eventId,
          previous: c.previous === null ? null : JSON.stringify(c.previous),
          detected_at: detectedAt,
        })),
      )
      .execute();
  }
  return changes.length;
}

/** The fields of a country's context that changed, each with its old and new value. */
export type ChangedValues = Record<string, { old: string | null; new: string | null }>;

export interface CountryChangeWrite {
  type: CountryChangeType;
  countryId: string;
  changed: ChangedValues;
}

/** Appends country context changes; the caller holds the change-log lock (lockChangeLog). */
export async function appendCountryChanges(trx: Tx, changes: readonly CountryChangeWrite[], detectedAt: Date): Promise<number> {
  if (changes.length === 0) return 0;
  await trx
    .insertInto('changes')
    .values(
      changes.map((c) => ({
        type: c.type,
        country_id: c.countryId,
        previous: JSON.stringify(c.changed),
        detected_at: detectedAt,
      })),
    )
    .execute();
  return changes.length;
}

export interface ChangeView {
  id: number;
  type: ChangeType;
  eventId: string;
  previous: Record<string, unknown> | null;
  detectedAt: string;
}

/** An event's change row as a view; country context rows (no event id) are not event changes. */
function eventChangeView(r: {
  id: string | number | bigint;
  type: string;
  event_id: string | null;
  previous: Record<string, unknown> | null;
  detected_at: Date;
}): ChangeView[] {
  if (r.event_id === null || !isEventChangeType(r.type)) return [];
  return [{ id: Number(r.id), type: r.type, eventId: r.event_id, previous: r.previous, detectedAt: r.detected_at.toISOString() }];
}

/** A country context change as read back: `previous` holds each changed field's old and new value. */
export interface CountryChangeView {
  id: number;
  type: CountryChangeType;
  countryId: string;
  changed: ChangedValues;
  detectedAt: string;
  /** The country page it was read from (null if the stored context is gone). */
  sourceUrl: string | null;
}

/** Any change of the log: an event's or a country's. */
export type LogChange = ChangeView | CountryChangeView;

export const isCountryChange = (change: LogChange): change is CountryChangeView => 'countryId' in change;

function countryChangeView(r: {
  id: string | number | bigint;
  type: string;
  country_id: string | null;
  previous: Record<string, unknown> | null;
  detected_at: Date;
  source_url: string | null;
}): CountryChangeView[] {
  if (r.country_id === null || !isCountryChangeType(r.type)) return [];
  return [
    {
      id: Number(r.id),
      type: r.type,
      countryId: r.country_id,
      changed: (r.previous ?? {}) as ChangedValues,
      detectedAt: r.detected_at.toISOString(),
      sourceUrl: r.source_url,
    },
  ];
}

/** Narrows a change-log listing: only these types, only changes of events of (or context of) these countries. Empty: all. */
export interface LogFilters {
  types?: readonly AnyChangeType[];
  countries?: readonly string[];
}

/** The whole change log after a cursor, event and country changes, oldest first. */
export async function listLogChangesAfter(db: Db, after: number, limit: number, filters: LogFilters = {}): Promise<LogChange[]> {
  let q = db
    .selectFrom('changes as ch')
    .leftJoin('country_contexts as cc', 'cc.country_id', 'ch.country_id')
    .select(['ch.id', 'ch.type', 'ch.event_id', 'ch.country_id', 'ch.previous', 'ch.detected_at', 'cc.source_url'])
    .where('ch.id', '>', after);
  if (filters.types?.length) q = q.where(sql<SqlBool>`ch.type = any(${textArray(filters.types)})`);
  if (filters.countries?.length) {
    const countries = textArray(filters.countries);
    q = q.where(
      sql<SqlBool>`(ch.country_id = any(${countries}) or exists (select 1 from events e where e.id = ch.event_id and e.country_id = any(${countries})))`,
    );
  }
  const rows = await q.orderBy('ch.id', 'asc').limit(limit).execute();
  return rows.flatMap((r): LogChange[] => (r.event_id === null ? countryChangeView(r) : eventChangeView(r)));
}

/** Country changes with `after < id <= upTo` of some countries (all when `countries` is undefined), oldest first. */
export async function listCountryChangesBetween(
  db: Db,
  after: number,
  upTo: number,
  countries?: readonly string[],
): Promise<CountryChangeView[]> {
  if (countries?.length === 0) return [];
  let q = db
    .selectFrom('changes as ch')
    .leftJoin('country_contexts as cc', 'cc.country_id', 'ch.country_id')
    .select(['ch.id', 'ch.type', 'ch.country_id', 'ch.previous', 'ch.detected_at', 'cc.source_url'])
    .where('ch.country_id', 'is not', null)
    .where('ch.id', '>', after)
    .where('ch.id', '<=', upTo);
  if (countries) q = q.where('ch.country_id', 'in', [...countries]);
  const rows = await q.orderBy('ch.id', 'asc').execute();
  return rows.flatMap(countryChangeView);
}

/** The event change log after a cursor, oldest first. */
export async function listChangesAfter(db: Db, after: number, limit: number): Promise<ChangeView[]> {
  const rows = await db
    .selectFrom('changes')
    .select(['id', 'type', 'event_id', 'previous', 'detected_at'])
    .where('event_id', 'is not', null)
    .where('id', '>', after)
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
  return rows.flatMap(eventChangeView);
}

/** Changes with `after < id <= upTo`, oldest first: the window a digest tick works on. */
export async function listChangesBetween(db: Db, after: number, upTo: number): Promise<ChangeView[]> {
  const rows = await db
    .selectFrom('changes')
    .select(['id', 'type', 'event_id', 'previous', 'detected_at'])
    .where('event_id', 'is not', null)
    .where('id', '>', after)
    .where('id', '<=', upTo)
    .orderBy('id', 'asc')
    .execute();
  return rows.flatMap(eventChangeView);
}

export async function latestChangeId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('changes')
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

/** A change as the expected-volume estimate reads it. */
export type VolumeChangeRow =
  | {
      eventId: string;
      type: ChangeType;
      detectedAt: Date;
      event: { country: string; categories: string[]; factors: string[]; watchFlag: boolean };
    }
  | { countryId: string; type: CountryChangeType; detectedAt: Date; changed: ChangedValues };

/**
 * The changes detected since `since` (the expected-volume estimate): an event change with what
 * matching needs of its event, a country context change with its country and changed values.
 */
export async function listChangesForVolume(db: Db, since: Date): Promise<VolumeChangeRow[]> {
  const rows = await db
    .selectFrom('changes as c')
    .leftJoin('events as e', 'e.id', 'c.event_id')
    .select(['e.id', 'c.type', 'c.detected_at', 'c.country_id as change_country_id', 'c.previous'])
    .select(['e.country_id', 'e.categories', 'e.factors', 'e.watch_flag'])
    .where('c.detected_at', '>=', since)
    .execute();
  return rows.flatMap((r): VolumeChangeRow[] => {
    if (r.change_country_id !== null && isCountryChangeType(r.type))
      return [{ countryId: r.change_country_id, type: r.type, detectedAt: r.detected_at, changed: (r.previous ?? {}) as ChangedValues }];
    if (r.id === null || r.country_id === null || !isEventChangeType(r.type)) return [];
    const event = { country: r.country_id, categories: r.categories ?? [], factors: r.factors ?? [], watchFlag: r.watch_flag ?? false };
    return [{ eventId: r.id, type: r.type, detectedAt: r.detected_at, event }];
  });
}
