/**
 * Issue 3 benchmark: ingest 20,000 events (20 batches of 1,000) through the real code path
 * `ingestEvents(deps, events.map(normaliseEvent))` (zod validation + normalisation included
 * in the timing), then re-ingest them unchanged, then with 5% changed; and, in the same run,
 * the raw rate of a plain batched multi-row INSERT of the same rows into a scratch table with
 * the columns and indexes of `events`. Rounds interleave ours and raw; medians are reported.
 *
 *   npm run bench -- ingest            (or: npx tsx bench/ingest.ts)
 *
 * Environment: BENCH_DATABASE_URL (PostgreSQL; default the local tracker_bench database),
 * BENCH_ROUNDS (default 3), BENCH_TARGETS (comma list of postgres,pglite-memory,pglite-disk),
 * BENCH_PROFILE (default 1: add the time breakdown of one extra pass; 0: only when a goal is missed),
 * BENCH_WRITE (0: do not touch BENCHMARKS.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompiledQuery, type KyselyPlugin, type RootOperationNode, sql } from 'kysely';
import { hashEvents } from '../src/alerts/detect';
import { type EventInput, eventInputSchema, type NormalisedEvent, normaliseEvent } from '../src/alerts/event';
import { type IngestDeps, ingestEvents } from '../src/alerts/ingest';
import { systemClock } from '../src/clock';
import { type DatabaseHandle, openPglite, openPostgres } from '../src/db/connect';
import type { Db } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { createMetrics } from '../src/metrics';
import { categories } from '../src/taxonomy/categories';
import { countries } from '../src/taxonomy/countries';
import { fmtInt, fmtRatio, machineInfo, markdownTable, median, now, type TableColumn, textTable, writeBenchmarkSection } from './report';
import { adminQuery, pgliteVersion, pick, prng } from './support';

export const name = 'ingest';

const DEFAULT_PG_URL = 'postgres://postgres:postgres@127.0.0.1:5432/tracker_bench';
const TOTAL = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = 1_000;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CHANGED_SHARE = 0.05;
const GOAL_NEW_VS_RAW = 0.5;
const GOAL_UNCHANGED_VS_NEW = 2;

// ---------------------------------------------------------------------------------------
// Data: deterministic, realistic events
// ---------------------------------------------------------------------------------------

const WORDS = (
  'the government parliament court election commission opposition party law decree protest police ' +
  'journalist media outlet civil society organisation amendment constitution referendum president minister ' +
  'detained arrested released sentenced charged investigation report observers international rights ' +
  'freedom expression assembly association judiciary independence corruption anti-corruption agency ' +
  'budget reform regional local council candidates registration campaign turnout ballot vote results ' +
  'announced adopted rejected criticised welcomed raised concerns following weeks months after before ' +
  'during under new draft bill approved signed into force implementation restrictions online platforms ' +
  'activists lawyers trial appeal supreme constitutional ombudsman women minorities indigenous access ' +
  'justice welfare health education strike unions workers students university Almaty Astana Tbilisi ' +
  'Yerevan Bishkek Chișinău São Paulo Côte d’Ivoire Zürich Kraków Dhaka Nairobi Lagos Bogotá Lima'
).split(' ');

const PUBLISHERS = [
  'Eurasianet',
  'Reuters',
  'Associated Press',
  'BBC News',
  'Human Rights Watch',
  'Amnesty International',
  'OSCE/ODIHR',
  'Radio Free Europe/Radio Liberty',
  'The Diplomat',
  'Al Jazeera',
  'Le Monde',
  'El País',
  'Freedom House',
  'UN OHCHR',
  'Transparency International',
  'Committee to Protect Journalists',
];

const countryIds = countries.map((c) => c.id);

function sentence(rand: () => number): string {
  const n = 8 + Math.floor(rand() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  const s = words.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

function paragraphOf(rand: () => number, minChars: number, maxChars: number): string {
  const target = minChars + Math.floor(rand() * (maxChars - minChars));
  let text = '';
  while (text.length < target) text += (text ? (rand() < 0.15 ? '\n\n' : ' ') : '') + sentence(rand);
  return text;
}

/** `count` events in the contract's input shape, the same for the same seed. */
export function generateEvents(count: number, seed = 20_250_101): EventInput[] {
  const rand = prng(seed);
  const events: EventInput[] = [];
  for (let i = 0; i < count; i++) {
    const country = pick(rand, countryIds);
    const year = 2019 + Math.floor(rand() * 7);
    const month = `${year}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}`;
    // 1-2 categories; 0-3 factors from them (normalisation adds the parent categories).
    const cats = [pick(rand, categories)];
    if (rand() < 0.35) cats.push(pick(rand, categories));
    const factors: string[] = [];
    const nFactors = Math.floor(rand() * 4);
    for (let f = 0; f < nFactors; f++) factors.push(pick(rand, pick(rand, cats).factors).id);
    const nSources = 1 + Math.floor(rand() * 3);
    const sources = Array.from({ length: nSources }, (_, s) => {
      const publisher = pick(rand, PUBLISHERS);
      return rand() < 0.9
        ? { name: publisher, url: `https://news.example.org/${country.toLowerCase()}/${year}/${i}-${s}` }
        : { name: publisher };
    });
    const updates =
      rand() < 0.12 ? [{ text: `Update: ${paragraphOf(rand, 80, 300)}`, ...(rand() < 0.7 ? { date: `${year}-08` } : {}) }] : [];
    events.push({
      id: `${country.toLowerCase()}-${month}-bench-${String(i).padStart(6, '0')}`,
      country: rand() < 0.1 ? country.toLowerCase() : country,
      month,
      title: sentence(rand).slice(0, 140),
      body: paragraphOf(rand, 600, 1500),
      categories: cats.map((c) => c.id),
      factors,
      watchFlag: rand() < 0.1,
      updates,
      sources,
      url: `https://tracker.example.org/countries/${country.toLowerCase()}/${month}#event-${i}`,
    });
  }
  return events;
}

/**
 * 5% of the events changed: every 20th event, of which a quarter flip the watch flag only,
 * a quarter flip it and edit the body, the rest edit the body only.
 */
export function changeSome(events: readonly EventInput[]): { events: EventInput[]; changed: number; flips: number; edits: number } {
  const every = Math.round(1 / CHANGED_SHARE);
  let changed = 0;
  let flips = 0;
  let edits = 0;
  const out = events.map((event, i) => {
    if (i % every !== 7) return event;
    changed++;
    const kind = Math.floor(i / every) % 4;
    const flip = kind <= 1;
    const edit = kind >= 1;
    if (flip) flips++;
    if (edit) edits++;
    return {
      ...event,
      ...(flip ? { watchFlag: !event.watchFlag } : {}),
      ...(edit ? { body: `${event.body} Update: the measure was revised by parliament in a second reading.` } : {}),
    };
  });
  return { events: out, changed, flips, edits };
}

function batches<T>(list: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------
// Targets: a fresh, migrated database per round
// ---------------------------------------------------------------------------------------

interface Fresh {
  handle: DatabaseHandle;
  dispose(): Promise<void>;
}

interface Target {
  name: string;
  version: string;
  fresh(round: number): Promise<Fresh>;
  finish(): Promise<void>;
}

async function postgresTarget(url: string): Promise<Target> {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`BENCH_DATABASE_URL must point at a loopback address, not ${host}`);
  }
  const version = String((await adminQuery(url, 'show server_version')).rows[0]?.server_version ?? '?');
  const prefix = `bench_ingest_${process.pid}`;
  return {
    name: 'PostgreSQL',
    version: `PostgreSQL ${version}`,
    async fresh(round) {
      const schema = `${prefix}_r${round}`;
      await adminQuery(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
      const handle = openPostgres(url, { searchPath: schema });
      await migrateToLatest(handle.db);
      return {
        handle,
        async dispose() {
          await handle.close();
          await adminQuery(url, `drop schema if exists ${schema} cascade`);
        },
      };
    },
    async finish() {},
  };
}

function pgliteTarget(onDisk: boolean): Target {
  const dirs: string[] = [];
  const target: Target = {
    name: onDisk ? 'PGlite (DATA_DIR on disk)' : 'PGlite (in memory)',
    version: 'PGlite',
    async fresh() {
      let dir: string | undefined;
      if (onDisk) {
        dir = mkdtempSync(join(tmpdir(), 'tracker-bench-pglite-'));
        dirs.push(dir);
      }
      const handle = await openPglite(dir);
      await migrateToLatest(handle.db);
      if (target.version === 'PGlite') {
        const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(handle.db);
        target.version = `${pgliteVersion()}, PostgreSQL ${rows[0]?.v ?? '?'} in WASM`;
      }
      return {
        handle,
        async dispose() {
          await handle.close();
          if (dir) rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    async finish() {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return target;
}

// ---------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------

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
function rawRows(events: readonly NormalisedEvent[], at: Date): unknown[][] {
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

async function runRaw(db: Db, rowBatches: readonly unknown[][][]): Promise<{ ms: number; rows: number }> {
  for (const statement of RAW_TABLE_DDL) await sql.raw(statement).execute(db);
  const queries = rowBatches.map((rows) => CompiledQuery.raw(rawInsertSql(rows.length), rows.flat()));
  const t0 = now();
  for (const query of queries) {
    await db.transaction().execute((trx) => trx.executeQuery(query));
  }
  const ms = now() - t0;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from bench_raw_events`.execute(db);
  await sql`drop table bench_raw_events`.execute(db);
  return { ms, rows: rows[0]?.n ?? 0 };
}

interface RowsWritten {
  eventsInserted: number;
  eventsUpdated: number;
  changesAppended: number;
  total: number;
}

/** Records every events row's physical position: any write (even a HOT update) moves it. */
async function snapshotRows(db: Db): Promise<{ events: number; changes: number }> {
  await sql`drop table if exists bench_snapshot`.execute(db);
  await sql`create table bench_snapshot as select id, ctid::text as tid from events`.execute(db);
  const { rows } = await sql<{ events: number; changes: number }>`
    select (select count(*)::int from events) as events, (select count(*)::int from changes) as changes`.execute(db);
  return rows[0]!;
}

async function rowsWrittenSince(db: Db, before: { events: number; changes: number }): Promise<RowsWritten> {
  const { rows } = await sql<{ events: number; changes: number; moved: number }>`
    select (select count(*)::int from events) as events,
           (select count(*)::int from changes) as changes,
           (select count(*)::int from events e join bench_snapshot s using (id) where e.ctid::text <> s.tid) as moved`.execute(db);
  await sql`drop table bench_snapshot`.execute(db);
  const after = rows[0]!;
  const eventsInserted = after.events - before.events;
  const changesAppended = after.changes - before.changes;
  return { eventsInserted, eventsUpdated: after.moved, changesAppended, total: eventsInserted + after.moved + changesAppended };
}

type Phase = 'new' | 'unchanged' | 'changed';

async function ingestPhase(deps: IngestDeps, inputBatches: readonly EventInput[][]) {
  const before = await snapshotRows(deps.db);
  const counts = { published: 0, updated: 0, unchanged: 0, changes: 0 };
  const t0 = now();
  for (const batch of inputBatches) {
    const result = await ingestEvents(
      deps,
      batch.map((e) => normaliseEvent(eventInputSchema.parse(e))),
    );
    counts.published += result.published;
    counts.updated += result.updated;
    counts.unchanged += result.unchanged;
    counts.changes += result.changes;
  }
  const ms = now() - t0;
  return { ms, counts, rows: await rowsWrittenSince(deps.db, before) };
}

interface TargetResult {
  target: string;
  version: string;
  ms: Record<Phase | 'raw', number[]>;
  rows: Partial<Record<Phase | 'raw', RowsWritten>>;
  counts: Partial<Record<Phase, { published: number; updated: number; unchanged: number; changes: number }>>;
  rowsConsistent: boolean;
  profile?: Profile;
}

interface Workload {
  inputs: EventInput[][];
  changedInputs: EventInput[][];
  rawRowBatches: unknown[][][];
}

async function measureTarget(target: Target, work: Workload, log: (line: string) => void): Promise<TargetResult> {
  const result: TargetResult = {
    target: target.name,
    version: target.version,
    ms: { raw: [], new: [], unchanged: [], changed: [] },
    rows: {},
    counts: {},
    rowsConsistent: true,
  };
  const keepRows = (phase: Phase | 'raw', rows: RowsWritten) => {
    const seen = result.rows[phase];
    if (seen && JSON.stringify(seen) !== JSON.stringify(rows)) result.rowsConsistent = false;
    result.rows[phase] = rows;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    const fresh = await target.fresh(round);
    try {
      const deps: IngestDeps = { db: fresh.handle.db, clock: systemClock, metrics: createMetrics() };
      await sql`select 1`.execute(deps.db); // connection warm
      const ours = async () => {
        for (const [phase, inputs] of [
          ['new', work.inputs],
          ['unchanged', work.inputs],
          ['changed', work.changedInputs],
        ] as const) {
          const r = await ingestPhase(deps, inputs);
          result.ms[phase].push(r.ms);
          result.counts[phase] = r.counts;
          keepRows(phase, r.rows);
        }
      };
      const raw = async () => {
        const r = await runRaw(deps.db, work.rawRowBatches);
        result.ms.raw.push(r.ms);
        keepRows('raw', { eventsInserted: r.rows, eventsUpdated: 0, changesAppended: 0, total: r.rows });
      };
      // Interleave: odd rounds raw first, even rounds ours first.
      if (round % 2) {
        await raw();
        await ours();
      } else {
        await ours();
        await raw();
      }
      const rate = (phase: Phase | 'raw') => fmtInt((TOTAL / result.ms[phase].at(-1)!) * 1000);
      log(
        `  ${target.name} round ${round}/${ROUNDS}: raw ${rate('raw')}/s, new ${rate('new')}/s, ` +
          `unchanged ${rate('unchanged')}/s, 5% changed ${rate('changed')}/s`,
      );
    } finally {
      await fresh.dispose();
    }
  }
  result.version = target.version; // known once a database was opened
  return result;
}

// ---------------------------------------------------------------------------------------
// Profile: where ingest time goes (CPU steps measured alone; SQL statements timed in place)
// ---------------------------------------------------------------------------------------

interface Profile {
  perBatchMs: Record<string, number>;
}

function statementLabel(node: RootOperationNode): string {
  const anyNode = node as unknown as {
    kind: string;
    into?: { table?: { identifier?: { name?: string } } };
    from?: { froms?: { table?: { identifier?: { name?: string } } }[] };
    selections?: unknown[];
    onConflict?: unknown;
  };
  if (anyNode.kind === 'InsertQueryNode') {
    const table = anyNode.into?.table?.identifier?.name ?? '?';
    return `SQL insert ${table}${anyNode.onConflict ? ' (upsert)' : ''}`;
  }
  if (anyNode.kind === 'SelectQueryNode') {
    const table = anyNode.from?.froms?.[0]?.table?.identifier?.name;
    if (table === 'events') return (anyNode.selections?.length ?? 0) <= 2 ? 'SQL select hashes' : 'SQL select full rows';
    return `SQL select ${table ?? '(raw)'}`;
  }
  if (anyNode.kind === 'RawNode') return 'SQL advisory lock';
  return `SQL ${anyNode.kind}`;
}

/** A Kysely plugin timing each statement from compile to result, by label. */
function statementTimer() {
  const started = new Map<unknown, { label: string; t: number }>();
  const totals = new Map<string, number>();
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      started.set(queryId, { label: statementLabel(node), t: now() });
      return node;
    },
    async transformResult({ queryId, result }) {
      const s = started.get(queryId);
      if (s) {
        totals.set(s.label, (totals.get(s.label) ?? 0) + (now() - s.t));
        started.delete(queryId);
      }
      return result;
    },
  };
  return { plugin, totals };
}

async function profileTarget(target: Target, work: Workload): Promise<Profile> {
  const nBatches = work.inputs.length;
  const perBatch: Record<string, number> = {};
  const add = (label: string, ms: number) => (perBatch[label] = (perBatch[label] ?? 0) + ms / nBatches);

  // CPU steps alone, over the same events: median of 3 passes each.
  const all = work.inputs.flat();
  const cpu = <T>(label: string, step: () => T): T => {
    const times: number[] = [];
    let out!: T;
    for (let i = 0; i < 3; i++) {
      const t = now();
      out = step();
      times.push(now() - t);
    }
    add(label, median(times));
    return out;
  };
  const parsed = cpu('CPU zod validation (eventInputSchema.parse)', () => all.map((e) => eventInputSchema.parse(e)));
  const normalised = cpu('CPU normaliseEvent', () => parsed.map(normaliseEvent));
  cpu('CPU content hash (hashEvents)', () => hashEvents(normalised));

  const fresh = await target.fresh(99);
  try {
    const timer = statementTimer();
    const db = fresh.handle.db.withPlugin(timer.plugin);
    const deps: IngestDeps = { db, clock: systemClock, metrics: createMetrics() };
    await sql`select 1`.execute(fresh.handle.db);
    for (const phase of ['new', 'unchanged'] as const) {
      timer.totals.clear();
      const pre = normalisedBatches(work.inputs);
      const t0 = now();
      for (const batch of pre) await ingestEvents(deps, batch);
      const total = now() - t0;
      let sqlTotal = 0;
      for (const [label, ms] of timer.totals) {
        add(`${phase}: ${label}`, ms);
        sqlTotal += ms;
      }
      add(`${phase}: ingestEvents total (without parse/normalise)`, total);
      add(`${phase}: rest (hash, detect, BEGIN/COMMIT, pool, metrics)`, total - sqlTotal);
    }
  } finally {
    await fresh.dispose();
  }
  return { perBatchMs: perBatch };
}

function normalisedBatches(inputs: readonly EventInput[][]): NormalisedEvent[][] {
  return inputs.map((batch) => batch.map((e) => normaliseEvent(eventInputSchema.parse(e))));
}

// ---------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------

const columns: TableColumn[] = [
  { title: 'database' },
  { title: 'phase' },
  { title: 'events/s (median)', align: 'right' },
  { title: 'rounds (min-max events/s)', align: 'right' },
  { title: 'rows written', align: 'right' },
  { title: 'ratio', align: 'right' },
  { title: 'goal' },
];

function rowsCell(rows: RowsWritten | undefined): string {
  if (!rows) return 'n/a';
  if (rows.total === 0) return '0';
  const parts: string[] = [];
  if (rows.eventsInserted) parts.push(`${fmtInt(rows.eventsInserted)} ins`);
  if (rows.eventsUpdated) parts.push(`${fmtInt(rows.eventsUpdated)} upd`);
  if (rows.changesAppended) parts.push(`${fmtInt(rows.changesAppended)} changes`);
  return `${fmtInt(rows.total)} (${parts.join(' + ')})`;
}

interface Verdicts {
  newVsRaw: number;
  unchangedVsNew: number;
  newOk: boolean;
  unchangedOk: boolean;
  zeroRowsOk: boolean;
}

function verdicts(r: TargetResult): Verdicts {
  const rate = (phase: Phase | 'raw') => (TOTAL / median(r.ms[phase])) * 1000;
  const newVsRaw = rate('new') / rate('raw');
  const unchangedVsNew = rate('unchanged') / rate('new');
  return {
    newVsRaw,
    unchangedVsNew,
    newOk: newVsRaw >= GOAL_NEW_VS_RAW,
    unchangedOk: unchangedVsNew >= GOAL_UNCHANGED_VS_NEW,
    zeroRowsOk: r.rows.unchanged?.total === 0,
  };
}

function tableRows(results: readonly TargetResult[]): string[][] {
  const out: string[][] = [];
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  for (const r of results) {
    const v = verdicts(r);
    const rate = (phase: Phase | 'raw') => (TOTAL / median(r.ms[phase])) * 1000;
    const spread = (phase: Phase | 'raw') => {
      const rates = r.ms[phase].map((ms) => (TOTAL / ms) * 1000);
      return `${fmtInt(Math.min(...rates))}-${fmtInt(Math.max(...rates))}`;
    };
    out.push([r.target, 'raw multi-row INSERT (scratch table)', fmtInt(rate('raw')), spread('raw'), rowsCell(r.rows.raw), '1.00x', '']);
    out.push([
      r.target,
      `ingest new (${TOTAL / BATCH} x ${fmtInt(BATCH)})`,
      fmtInt(rate('new')),
      spread('new'),
      rowsCell(r.rows.new),
      `${fmtRatio(v.newVsRaw)} of raw`,
      `>= ${GOAL_NEW_VS_RAW}x raw: ${mark(v.newOk)}`,
    ]);
    out.push([
      r.target,
      're-ingest unchanged',
      fmtInt(rate('unchanged')),
      spread('unchanged'),
      rowsCell(r.rows.unchanged),
      `${fmtRatio(v.unchangedVsNew)} of new`,
      `>= ${GOAL_UNCHANGED_VS_NEW}x new: ${mark(v.unchangedOk)}; 0 rows: ${mark(v.zeroRowsOk)}`,
    ]);
    out.push([
      r.target,
      're-ingest 5% changed',
      fmtInt(rate('changed')),
      spread('changed'),
      rowsCell(r.rows.changed),
      `${fmtRatio(rate('changed') / rate('new'))} of new`,
      '',
    ]);
  }
  return out;
}

/** Plain-language reading of the profile: which phase is bound by what. */
function profileFindings(results: readonly TargetResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const p = r.profile?.perBatchMs;
    if (!p) continue;
    const sum = (prefix: string) =>
      Object.entries(p)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((a, [, v]) => a + v, 0);
    const cpuFront = (p['CPU zod validation (eventInputSchema.parse)'] ?? 0) + (p['CPU normaliseEvent'] ?? 0);
    const hash = p['CPU content hash (hashEvents)'] ?? 0;
    const newTotal = (p['new: ingestEvents total (without parse/normalise)'] ?? 0) + cpuFront;
    const newSql = sum('new: SQL');
    const unchangedTotal = (p['unchanged: ingestEvents total (without parse/normalise)'] ?? 0) + cpuFront;
    const unchangedSql = sum('unchanged: SQL');
    const pct = (a: number, b: number) => `${Math.round((100 * a) / b)}%`;
    lines.push(
      `- ${r.target}: new-event batch ~${newTotal.toFixed(0)} ms, of which SQL statements ${pct(newSql, newTotal)} ` +
        `(the events upsert alone ${pct(p['new: SQL insert events (upsert)'] ?? 0, newTotal)}); unchanged batch ` +
        `~${unchangedTotal.toFixed(0)} ms, of which SQL ${pct(unchangedSql, unchangedTotal)} and CPU ` +
        `(validation + normalisation + content hash, ~${(cpuFront + hash).toFixed(0)} ms) ` +
        `${pct(Math.min(cpuFront + hash, unchangedTotal), unchangedTotal)}.`,
    );
  }
  return lines;
}

function profileTable(results: readonly TargetResult[]): { columns: TableColumn[]; rows: string[][] } | undefined {
  const profiled = results.filter((r) => r.profile);
  if (profiled.length === 0) return undefined;
  const labels = [...new Set(profiled.flatMap((r) => Object.keys(r.profile!.perBatchMs)))];
  return {
    columns: [{ title: 'step (ms per 1,000-event batch)' }, ...profiled.map((r) => ({ title: r.target, align: 'right' as const }))],
    rows: labels.map((label) => [
      label,
      ...profiled.map((r) => {
        const v = r.profile!.perBatchMs[label];
        return v === undefined ? '' : v.toFixed(1);
      }),
    ]),
  };
}

export async function run(): Promise<void> {
  const started = now();
  const loadBefore = loadavg()[0]!;
  const log = (line: string) => console.log(line);
  const wanted = (process.env.BENCH_TARGETS ?? 'postgres,pglite-memory,pglite-disk').split(',').map((s) => s.trim());

  log(`ingest bench: ${fmtInt(TOTAL)} events in batches of ${fmtInt(BATCH)}, ${ROUNDS} rounds per database`);
  const generated = generateEvents(TOTAL);
  const changed = changeSome(generated);
  const bodyLengths = generated.map((e) => e.body?.length ?? 0);
  log(
    `  data: bodies ${Math.min(...bodyLengths)}-${Math.max(...bodyLengths)} chars (median ${median(bodyLengths)}), ` +
      `${changed.changed} changed (${changed.edits} body edits, ${changed.flips} watch-flag flips)`,
  );
  // Warm the JIT on the CPU path so round 1 is not an outlier.
  hashEvents(normalisedBatches(batches(generated.slice(0, 2 * BATCH))).flat());

  const at = new Date();
  const work: Workload = {
    inputs: batches(generated),
    changedInputs: batches(changed.events),
    rawRowBatches: batches(
      rawRows(
        generated.map((e) => normaliseEvent(eventInputSchema.parse(e))),
        at,
      ),
    ),
  };

  const targets: Target[] = [];
  let postgresVersion = 'not measured';
  if (wanted.includes('postgres')) {
    const url = process.env.BENCH_DATABASE_URL || DEFAULT_PG_URL;
    try {
      const target = await postgresTarget(url);
      postgresVersion = target.version;
      targets.push(target);
    } catch (error) {
      log(`  NOTICE: PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//***@')} is unreachable (${(error as Error).message}); skipping it.`);
      postgresVersion = 'unreachable: skipped';
    }
  }
  if (wanted.includes('pglite-memory')) targets.push(pgliteTarget(false));
  if (wanted.includes('pglite-disk')) targets.push(pgliteTarget(true));

  const results: TargetResult[] = [];
  for (const target of targets) {
    try {
      results.push(await measureTarget(target, work, log));
    } finally {
      await target.finish();
    }
  }

  const profileMode = process.env.BENCH_PROFILE;
  for (const [i, r] of results.entries()) {
    const v = verdicts(r);
    const missed = !v.newOk || !v.unchangedOk || !v.zeroRowsOk;
    if (profileMode !== '0' || missed) {
      log(`  profiling ${r.target}${missed ? ' (a goal is not met)' : ''} ...`);
      r.profile = await profileTarget(targets[i]!, work);
      await targets[i]!.finish();
    }
  }

  const rows = tableRows(results);
  log('');
  log(textTable(columns, rows));
  const profile = profileTable(results);
  if (profile) {
    log('');
    log(textTable(profile.columns, profile.rows));
    for (const line of profileFindings(results)) log(`  ${line}`);
  }
  for (const r of results) {
    if (!r.rowsConsistent) log(`  WARNING: ${r.target}: rows written differed between rounds`);
    const c = r.counts;
    log(
      `  ${r.target}: outcomes new=${JSON.stringify(c.new)} unchanged=${JSON.stringify(c.unchanged)} changed=${JSON.stringify(c.changed)}`,
    );
  }
  const elapsed = (now() - started) / 1000;
  const loadAfter = loadavg()[0]!;
  log(`  total bench time ${elapsed.toFixed(0)} s; 1-min load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);

  if (process.env.BENCH_WRITE === '0' || TOTAL !== 20_000) {
    log('  BENCHMARKS.md not written (BENCH_WRITE=0 or a non-standard BENCH_EVENTS)');
    return;
  }
  const machine = machineInfo({
    PostgreSQL: postgresVersion,
    PGlite: results.find((r) => r.target.startsWith('PGlite'))?.version ?? pgliteVersion(),
  });
  const goalLines = results.map((r) => {
    const v = verdicts(r);
    return (
      `- ${r.target}: new-event ingest ${fmtRatio(v.newVsRaw)} of raw (goal >= ${GOAL_NEW_VS_RAW}x: ` +
      `**${v.newOk ? 'met' : 'not met'}**); unchanged re-ingest ${fmtRatio(v.unchangedVsNew)} of new ` +
      `(goal >= ${GOAL_UNCHANGED_VS_NEW}x: **${v.unchangedOk ? 'met' : 'not met'}**), rows written ` +
      `${r.rows.unchanged?.total ?? 'n/a'} (goal 0: **${v.zeroRowsOk ? 'met' : 'not met'}**)`
    );
  });
  const body = [
    `Measured ${at.toISOString().slice(0, 10)} by \`bench/ingest.ts\`:`,
    '',
    '```sh',
    'npm run bench -- ingest        # or: npx tsx bench/ingest.ts',
    '```',
    '',
    `Machine: ${Object.entries(machine)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}. ` +
      `1-minute load average ${loadBefore.toFixed(2)} at the start and ${loadAfter.toFixed(2)} at the end ` +
      `(the machine is shared: other work ran meanwhile, hence the spread between rounds); run took ${elapsed.toFixed(0)} s.`,
    '',
    `Workload: ${fmtInt(TOTAL)} generated events (bodies ${Math.min(...bodyLengths)}-${Math.max(...bodyLengths)} chars, ` +
      '1-3 sources, categories/factors and countries from the taxonomy, ~12% with an update), ingested in ' +
      `${TOTAL / BATCH} batches of ${fmtInt(BATCH)} into an empty, migrated database through ` +
      '`ingestEvents(deps, batch.map((e) => normaliseEvent(eventInputSchema.parse(e))))` (zod validation and ' +
      'normalisation inside the timing), then re-ingested unchanged, then with 5% changed ' +
      `(${changed.edits} body edits, ${changed.flips} watch-flag flips, some both). ` +
      'The raw baseline inserts the same rows (same 14 values per row as the upsert) with one plain multi-row ' +
      '`INSERT` of 1,000 rows per transaction into a scratch table with the columns, primary key and five ' +
      'indexes of `events` (no FK/CHECK, so it is the upper limit). ' +
      `${ROUNDS} rounds per database, each on a fresh schema / PGlite instance, alternating whether raw or ours ` +
      'runs first; figures are medians, with the min-max of the rounds. Rows written are counted in the ' +
      'database (new `events` rows, `events` rows whose ctid moved, new `changes` rows).',
    '',
    markdownTable(columns, rows),
    '',
    'Absolute rates move between runs on a shared machine; the ratios compare figures from the same run and ' +
      'the same database, which is what the goals are about.',
    '',
    'Goals (issue 3):',
    '',
    ...goalLines,
    ...(profile
      ? [
          '',
          'Where the time goes (one extra profile pass per database, so single-run figures; CPU steps timed alone ' +
            'over the 20,000 events, median of 3; SQL statements timed in place by a Kysely plugin from compile to ' +
            'result; "rest" is ingestEvents minus its SQL statements):',
          '',
          markdownTable(profile.columns, profile.rows),
          '',
          ...profileFindings(results),
        ]
      : []),
  ].join('\n');
  writeBenchmarkSection('Ingest (issue 3)', body);
  log('  wrote BENCHMARKS.md section "Ingest (issue 3)"');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
