/**
 * The raw limit for writing events: the same rows as `upsertEvents` writes, with one plain
 * multi-row INSERT per batch into a scratch table with the columns and indexes of `events`.
 */
import { CompiledQuery, sql } from 'kysely';
import { hashEvents } from '../src/alerts/detect';
import type { Db } from '../src/db/database';
import type { NormalisedEvent } from '../src/db/event-fields';

const rawColumns = [
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
  'content_hash',
  'first_seen_at',
  'last_changed_at',
] as const;

/** The columns and indexes of `events` (migrations/0001), without its FK and CHECK: the raw limit. */
const RAW_TABLE_DDL = [
  'drop table if exists bench_raw_events',
  `create table bench_raw_events (
     id text primary key,
     country_id char(3) not null,
     month text not null,
     title text not null,
     body text not null,
     categories text[] not null default '{}',
     factors text[] not null default '{}',
     watch_flag boolean not null default false,
     updates jsonb not null default '[]'::jsonb,
     sources jsonb not null default '[]'::jsonb,
     url text,
     content_hash text not null,
     first_seen_at timestamptz not null,
     last_changed_at timestamptz not null)`,
  'create index bench_raw_events_month_id_idx on bench_raw_events (month desc, id)',
  'create index bench_raw_events_country_month_id_idx on bench_raw_events (country_id, month desc, id)',
  'create index bench_raw_events_categories_idx on bench_raw_events using gin (categories)',
  'create index bench_raw_events_factors_idx on bench_raw_events using gin (factors)',
  'create index bench_raw_events_last_changed_at_idx on bench_raw_events (last_changed_at)',
];

/** Row values exactly as upsertEvents writes them, computed once outside the timing. */
export function rawRows(events: readonly NormalisedEvent[], at: Date): unknown[][] {
  return hashEvents(events).map(({ event, hash }) => [
    event.id,
    event.country,
    event.month,
    event.title,
    event.body,
    event.categories,
    event.factors,
    event.watchFlag,
    JSON.stringify(event.updates),
    JSON.stringify(event.sources),
    event.url,
    hash,
    at,
    at,
  ]);
}

function rawInsertSql(rows: number): string {
  const width = rawColumns.length;
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    tuples.push(`(${rawColumns.map((_, c) => `$${r * width + c + 1}`).join(', ')})`);
  }
  return `insert into bench_raw_events (${rawColumns.join(', ')}) values ${tuples.join(', ')}`;
}

export async function runRaw(db: Db, rowBatches: readonly unknown[][][]): Promise<{ ms: number; rows: number }> {
  for (const statement of RAW_TABLE_DDL) await sql.raw(statement).execute(db);
  const queries = rowBatches.map((rows) => CompiledQuery.raw(rawInsertSql(rows.length), rows.flat()));
  const t0 = performance.now();
  for (const query of queries) {
    await db.transaction().execute((trx) => trx.executeQuery(query));
  }
  const ms = performance.now() - t0;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from bench_raw_events`.execute(db);
  await sql`drop table bench_raw_events`.execute(db);
  return { ms, rows: rows[0]?.n ?? 0 };
}
