/**
 * Rows a piece of work wrote, counted in the database: new `events` rows, `events` rows whose
 * ctid moved (any write, even a HOT update, moves it), new `changes` rows; and the detection
 * job's own record (new `detection_runs` rows, rewritten `source_states` rows).
 */
import { sql } from 'kysely';
import type { Db } from '../src/db/database';

export interface RowsWritten {
  eventsInserted: number;
  eventsUpdated: number;
  changesAppended: number;
  /** events + changes rows. */
  total: number;
  detectionRuns: number;
  sourceStates: number;
}

export interface RowSnapshot {
  events: number;
  changes: number;
  detectionRuns: number;
  sourceStates: Map<string, string>;
}

const counts = (db: Db) =>
  sql<{ events: number; changes: number; runs: number }>`
    select (select count(*)::int from events) as events, (select count(*)::int from changes) as changes,
           (select count(*)::int from detection_runs) as runs`.execute(db);

const sourceStates = (db: Db) => sql<{ url: string; tid: string }>`select url, ctid::text as tid from source_states`.execute(db);

/** Records every events row's physical position (in a scratch table) and the counts. */
export async function snapshotRows(db: Db): Promise<RowSnapshot> {
  await sql`drop table if exists bench_snapshot`.execute(db);
  await sql`create table bench_snapshot as select id, ctid::text as tid from events`.execute(db);
  const { rows } = await counts(db);
  const states = await sourceStates(db);
  return { ...rows[0]!, detectionRuns: rows[0]!.runs, sourceStates: new Map(states.rows.map((r) => [r.url, r.tid])) };
}

export async function rowsWrittenSince(db: Db, before: RowSnapshot): Promise<RowsWritten> {
  const { rows } = await counts(db);
  const moved = await sql<{ n: number }>`
    select count(*)::int as n from events e join bench_snapshot s using (id) where e.ctid::text <> s.tid`.execute(db);
  await sql`drop table bench_snapshot`.execute(db);
  const states = await sourceStates(db);
  const after = rows[0]!;
  const eventsInserted = after.events - before.events;
  const changesAppended = after.changes - before.changes;
  const eventsUpdated = moved.rows[0]!.n;
  return {
    eventsInserted,
    eventsUpdated,
    changesAppended,
    total: eventsInserted + eventsUpdated + changesAppended,
    detectionRuns: after.runs - before.detectionRuns,
    sourceStates: states.rows.filter((r) => before.sourceStates.get(r.url) !== r.tid).length,
  };
}

/** "40,000 (20,000 ins + 20,000 changes)", or "0". */
export function rowsCell(rows: RowsWritten | undefined): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (!rows) return 'n/a';
  if (rows.total === 0) return '0';
  const parts: string[] = [];
  if (rows.eventsInserted) parts.push(`${fmt(rows.eventsInserted)} ins`);
  if (rows.eventsUpdated) parts.push(`${fmt(rows.eventsUpdated)} upd`);
  if (rows.changesAppended) parts.push(`${fmt(rows.changesAppended)} changes`);
  return `${fmt(rows.total)} (${parts.join(' + ')})`;
}
