/**
 * Issue 6 benchmark: one digest tick end to end on PostgreSQL. 100,000 confirmed subscribers
 * with varied preferences (countries, whole regions, categories; monthly mostly, some weekly;
 * ten time zones on both sides of UTC; a quarter skip empty digests) are inserted in bulk;
 * 2,000 changes land in the period through the real ingest path (`ingestEvents`: 1,700
 * publications across 150 countries, plus edits, added updates and watch-flag flips of events
 * from before and from within the period). Then ONE `runDigestTick(deps, { asOf, trigger })`
 * runs with the deps the app builds (pino silent), sending through the real Resend mailer
 * (`createResendMailer`, the `resend` SDK) to the local fake Resend (testkit, in a
 * process of its own, answering at once, content not retained).
 *
 * In the same run: the render cost per digest (`digestMessage(model)` over a sample of the
 * stored models), (a) compiling digest.mjml with mjml2html per recipient instead of the
 * precompiled template, and (b) the raw rate of posting batches of the same size (100 emails
 * rendered from the same models) to the same fake with plain `fetch`, no rendering and no
 * database (one pass before the tick, one after). Peak memory is sampled during the tick.
 * Afterwards every subscriber's inbox is checked: exactly one digest each, except skip-empty
 * subscribers with nothing matching, who get none.
 *
 *   npm run bench -- digests
 *
 * Environment: BENCH_DATABASE_URL (PostgreSQL, loopback only; default the local tracker_bench
 * database), BENCH_SUBSCRIBERS (default 100,000; BENCHMARKS.md is written only for 100,000),
 * BENCH_TICK_SECONDS (stop the tick, as a crash would, once it runs past this; default 120; 0 = never),
 * BENCH_RAW_BATCHES / BENCH_RAW_SECONDS (raw posts per pass: at most 300, at most 15 s), BENCH_RENDER_SAMPLE (stored models
 * rendered alone, default 2,000), BENCH_MJML_CALLS (default 20), BENCH_MAX_LOAD (wait, up to
 * 10 minutes, until the 1-minute load average is at most this; default 3; 0 = do not wait),
 * BENCH_KEEP_SCHEMA (1: keep the schema for inspection), BENCH_WRITE (0: do not touch
 * BENCHMARKS.md).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { sql } from 'kysely';
import { buildDigest } from '../src/alerts/digest/build';
import { digestMessage } from '../src/alerts/digest/message';
import { type DigestTickResult, runDigestTick } from '../src/alerts/digest/runner';
import { indexChangeWindow } from '../src/alerts/digest/window';
import { type EventInput, eventInputSchema, normaliseEvent } from '../src/alerts/event';
import { ingestEvents } from '../src/alerts/ingest';
import { fixedClock } from '../src/clock';
import { latestChangeId, listChangesBetween } from '../src/db/changes';
import { type DatabaseHandle, openPostgres } from '../src/db/connect';
import type { Frequency } from '../src/db/database';
import { readRecordedModels, recordModel } from '../src/db/digest-items';
import type { ClaimedDigest } from '../src/db/digests';
import { loadEvents } from '../src/db/events';
import { migrateToLatest } from '../src/db/migrate';
import { asciiJsonString } from '../src/email/ascii-json';
import { createResendMailer } from '../src/email/resend';
import type { EmailMessage, Mailer } from '../src/email/transport';
import { createLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import type { Deps } from '../src/services';
import { subscriberLinks } from '../src/subscribers/links';
import { categoryIds } from '../src/taxonomy/categories';
import { countries, regions } from '../src/taxonomy/countries';
import { compileMjml, templatesDir } from '../src/templates/compile';
import { renderDigestEmail } from '../src/templates/digest-email';
import { prepareTemplate } from '../src/templates/fill';
import type { DigestModel } from '../src/templates/models';
import { createBenchDeps } from '../testkit/bench-deps';
import { adminQueryAt as adminQuery, benchDatabaseUrl, postgresVersion } from '../testkit/db-targets';
import { startFakeResendProcess } from '../testkit/fake-resend-process';
import { benchEvents } from '../testkit/generated-events';
import { loadAverage } from '../testkit/machine';
import { pick, prng, sample, shuffle, weighted } from '../testkit/random';
import { type StatementShape, statementTimer } from '../testkit/statement-timer';
import { maxOf, mean, median } from '../testkit/stats';
import { memorySampler, timedMailer } from '../testkit/timing';
import { type BenchResult, fmtInt, fmtRatio, machineInfo, now, paragraphs, startRun, type TableColumn, writeUnless } from './report';

export const name = 'digests';

const SUBSCRIBERS = Math.max(100, Number(process.env.BENCH_SUBSCRIBERS ?? 100_000));
const STANDARD_SUBSCRIBERS = 100_000;
const RAW_BATCHES = Math.max(10, Number(process.env.BENCH_RAW_BATCHES ?? 300));
const RENDER_SAMPLE = Math.max(100, Number(process.env.BENCH_RENDER_SAMPLE ?? 2_000));
const MJML_CALLS = Math.max(3, Number(process.env.BENCH_MJML_CALLS ?? 20));
const RAW_SECONDS = Math.max(1, Number(process.env.BENCH_RAW_SECONDS ?? 15));
const TICK_BUDGET_MS = Math.max(0, Number(process.env.BENCH_TICK_SECONDS ?? 120)) * 1000;
const MAX_LOAD = Number(process.env.BENCH_MAX_LOAD ?? 3);
const LOAD_POLL_MS = 30_000;
const LOAD_WAIT_MAX_MS = 10 * 60_000;

const ACTIVE_COUNTRIES = 150;
const EARLIER_EVENTS = 1_000; // published before the period: subscribers' cursors are past them
const NEW_EVENTS = 1_700; // published in the period
const EARLIER_UPDATES = 100; // an "Update:" added to an earlier event
const EARLIER_FLIPS = 50; // an earlier event's watch flag raised or lifted
const NEW_EDITS = 100; // a new event's text edited in the same period (collapses into "new")
const NEW_FLIPS = 50;
const PERIOD_CHANGES = NEW_EVENTS + EARLIER_UPDATES + EARLIER_FLIPS + NEW_EDITS + NEW_FLIPS; // 2,000

const EMAIL_FROM = 'Tracker Alerts <alerts@example.org>';
const API_KEY = 're_test_fake_key';
const APP_SECRET = 'bench-app-secret-0123456789-0123456789-0123456789';
const BEFORE_PERIOD = new Date('2024-12-10T12:00:00Z');
const CONFIRMED_FROM = new Date('2025-01-03T00:00:00Z'); // + up to 10 days: before every due time
const IN_PERIOD = new Date('2025-01-15T12:00:00Z');
const LATE_IN_PERIOD = new Date('2025-01-25T12:00:00Z');
const AS_OF = new Date('2025-02-02T12:00:00Z'); // after every zone's 1 Feb 09:00 and Monday 27 Jan 09:00

const GOAL_RATE = 1_000;
const GOAL_VS_RAW = 0.5;
const GOAL_MJML = 50;

const TIME_ZONES: readonly [string, number][] = [
  ['UTC', 10],
  ['Europe/London', 12],
  ['Europe/Berlin', 18],
  ['Asia/Almaty', 8],
  ['Asia/Tokyo', 6],
  ['Pacific/Auckland', 4],
  ['America/New_York', 16],
  ['America/Sao_Paulo', 10],
  ['America/Los_Angeles', 10],
  ['Pacific/Honolulu', 6],
];

const log = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------

/** 150 countries that get events (skewed: a few get many), the rest stay quiet. */
function splitCountries(rand: () => number) {
  const ids = shuffle(
    rand,
    countries.map((c) => c.id),
  );
  return { active: ids.slice(0, ACTIVE_COUNTRIES), quiet: ids.slice(ACTIVE_COUNTRIES) };
}

function placeEvents(
  generated: readonly EventInput[],
  active: readonly string[],
  rand: () => number,
  tag: string,
  months: readonly string[],
): EventInput[] {
  return generated.map((e, i) => {
    const country = active[Math.floor(rand() ** 1.6 * active.length)]!;
    const month = pick(rand, months);
    return {
      ...e,
      id: `${country.toLowerCase()}-${month}-${tag}-${String(i).padStart(5, '0')}`,
      country,
      month,
      url: `https://tracker.example.org/countries/${country.toLowerCase()}/${month}#${tag}-${i}`,
    };
  });
}

interface BenchSubscriber {
  email: string;
  countries: string[];
  regions: string[];
  categories: string[];
  frequency: Frequency;
  timezone: string;
  skipEmpty: boolean;
  confirmedAt: Date;
  kind: string;
}

/** Varied choices, the same for the same seed. */
function generateSubscribers(count: number, active: readonly string[], quiet: readonly string[], seed = 6_006): BenchSubscriber[] {
  const rand = prng(seed);
  const out: BenchSubscriber[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    const maybeCategories = (share: number) => (rand() < share ? sample(rand, categoryIds, 1 + Math.floor(rand() * 2)) : []);
    let s: Pick<BenchSubscriber, 'countries' | 'regions' | 'categories' | 'kind'>;
    if (r < 0.03) s = { kind: 'everything', countries: [], regions: [], categories: [] };
    else if (r < 0.08) s = { kind: 'categories only', countries: [], regions: [], categories: sample(rand, categoryIds, 1) };
    else if (r < 0.18) s = { kind: 'a region', countries: [], regions: [pick(rand, regions)], categories: maybeCategories(0.4) };
    else if (r < 0.88) {
      const n = 1 + Math.floor(rand() * 4);
      const chosen = Array.from({ length: n }, () => (rand() < 0.85 ? pick(rand, active) : pick(rand, quiet)));
      s = { kind: 'countries', countries: [...new Set(chosen)].sort(), regions: [], categories: maybeCategories(0.3) };
    } else s = { kind: 'quiet countries', countries: sample(rand, quiet, 1 + Math.floor(rand() * 2)).sort(), regions: [], categories: [] };
    out.push({
      ...s,
      email: `reader-${String(i).padStart(6, '0')}@example.org`,
      frequency: rand() < 0.85 ? 'monthly' : 'weekly',
      timezone: weighted(rand, TIME_ZONES),
      skipEmpty: rand() < 0.25,
      confirmedAt: new Date(CONFIRMED_FROM.getTime() + Math.floor(rand() * 10 * 86_400_000)),
    });
  }
  return out;
}

async function insertSubscribers(db: DatabaseHandle['db'], list: readonly BenchSubscriber[], cursor: number): Promise<void> {
  const CHUNK = 2_000; // 14 values a row: 28,000 parameters per statement
  for (let start = 0; start < list.length; start += CHUNK) {
    await db
      .insertInto('subscribers')
      .values(
        list.slice(start, start + CHUNK).map((s) => ({
          email: s.email,
          status: 'confirmed' as const,
          countries: s.countries,
          regions: s.regions,
          categories: s.categories,
          frequency: s.frequency,
          timezone: s.timezone,
          skip_empty: s.skipEmpty,
          created_at: s.confirmedAt,
          updated_at: s.confirmedAt,
          confirmed_at: s.confirmedAt,
          consent_at: s.confirmedAt,
          consent_source: 'bench',
          digest_cursor: cursor,
        })),
      )
      .execute();
  }
}

const regionOf = new Map(countries.map((c) => [c.id, c.region]));

/** The documented matching rules, written out again here so the check does not trust src/. */
function wantsEvent(s: BenchSubscriber, event: { country: string; categories: readonly string[] }): boolean {
  const anyPlace = s.countries.length === 0 && s.regions.length === 0;
  const place = anyPlace || s.countries.includes(event.country) || s.regions.includes(regionOf.get(event.country) ?? '');
  if (!place) return false;
  return s.categories.length === 0 || event.categories.length === 0 || event.categories.some((c) => s.categories.includes(c));
}

// ---------------------------------------------------------------------------------------
// Instrumentation: SQL statements (Kysely plugin), the mailer, memory
// ---------------------------------------------------------------------------------------

const digestLabel = ({ kind, table, joined, locking, text }: StatementShape): string => {
  if (kind === 'SelectQueryNode') return `select ${table ?? '?'}${joined ? ' join' : ''}${locking ? ' for update' : ''}`;
  if (kind === 'InsertQueryNode') return `insert ${table ?? '?'}`;
  if (kind === 'UpdateQueryNode') return `update ${table ?? '?'}`;
  if (kind === 'DeleteQueryNode') return 'delete';
  if (kind !== 'RawNode') return kind;
  if (text === 'with $ select id from batch')
    return 'record batch: batch + rows + new report lines (+ empty digests closed, cursors), one statement';
  if (text.includes("update digests set status = 'sent'")) return 'mark sent: batch + rows + cursors, one statement';
  if (text === 'with $ select 1') return 'close empty digests + cursors, one statement';
  return `raw: ${text.slice(0, 50)}`;
};

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Thrown from `afterRecord` when the tick runs past its time budget: the run stops as a crash would. */
class BudgetReached extends Error {}

// ---------------------------------------------------------------------------------------
// Raw posting: the same batch size and sizes, plain fetch, no rendering, no database
// ---------------------------------------------------------------------------------------

/** The body the mailer posts for each batch of 100, serialised beforehand: the same JSON (non-ASCII strings as \\u escapes, see src/email/ascii-json.ts). */
function rawPayloads(messages: readonly EmailMessage[]) {
  const payloads = [];
  for (let i = 0; i + 100 <= messages.length; i += 100) {
    payloads.push(
      messages.slice(i, i + 100).map((m) => ({
        from: asciiJsonString(EMAIL_FROM),
        headers: m.headers,
        html: asciiJsonString(m.html),
        subject: asciiJsonString(m.subject),
        text: asciiJsonString(m.text),
        to: m.to,
      })),
    );
  }
  return payloads;
}

function rawBodies(messages: readonly EmailMessage[]): string[] {
  return rawPayloads(messages).map((payload) => JSON.stringify(payload));
}

async function rawPosting(
  url: string,
  bodies: readonly string[],
  maxBatches: number,
  pass: number,
  maxMs: number,
): Promise<{ ms: number; emails: number; batches: number }> {
  const t0 = now();
  let emails = 0;
  let i = 0;
  for (; i < maxBatches && (maxMs <= 0 || i < 10 || now() - t0 < maxMs); i++) {
    const post = () =>
      fetch(`${url}/emails/batch`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${API_KEY}`,
          'content-type': 'application/json',
          'idempotency-key': `raw-${process.pid}-${pass}-${i}`,
          'x-batch-validation': 'strict',
        },
        body: bodies[i % bodies.length]!,
      });
    // A keep-alive connection the server closed while idle fails once (ECONNRESET): post again.
    const response = await post().catch(() => post());
    const answer = (await response.json()) as { data?: unknown[] };
    if (response.status !== 200 || answer.data?.length !== 100)
      throw new Error(`raw post ${i}: ${response.status} ${JSON.stringify(answer).slice(0, 200)}`);
    emails += answer.data.length;
  }
  return { ms: now() - t0, emails, batches: i };
}

/** The same batches posted through the mailer the tick uses (the resend SDK: serialise + fetch), one at a time, no rendering, no database. */
async function mailerPosting(
  mailer: Mailer,
  messages: readonly EmailMessage[],
  maxBatches: number,
  pass: number,
  maxMs: number,
): Promise<{ ms: number; emails: number; batches: number }> {
  const batches: EmailMessage[][] = [];
  for (let i = 0; i + 100 <= messages.length; i += 100) batches.push(messages.slice(i, i + 100));
  const t0 = now();
  let emails = 0;
  let i = 0;
  for (; i < maxBatches && (maxMs <= 0 || i < 10 || now() - t0 < maxMs); i++) {
    const { ids } = await mailer.sendBatch(batches[i % batches.length]!, { idempotencyKey: `sdk-${process.pid}-${pass}-${i}` });
    emails += ids.length;
  }
  return { ms: now() - t0, emails, batches: i };
}

// ---------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------

async function waitForQuietMachine(): Promise<{ waitedS: number; load: number }> {
  const started = Date.now();
  let load = loadAverage();
  if (MAX_LOAD <= 0) return { waitedS: 0, load };
  while (load > MAX_LOAD && Date.now() - started < LOAD_WAIT_MAX_MS) {
    log(
      `  1-min load average ${load.toFixed(2)} > ${MAX_LOAD}: waiting 30 s (waited ${((Date.now() - started) / 1000).toFixed(0)} s of at most 600)`,
    );
    await new Promise((resolve) => setTimeout(resolve, LOAD_POLL_MS));
    load = loadAverage();
  }
  if (load > MAX_LOAD) log(`  NOTICE: load still ${load.toFixed(2)} after 10 minutes; running anyway`);
  return { waitedS: (Date.now() - started) / 1000, load };
}

const pct = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const us = (ms: number) => `${fmtInt(ms * 1000)} µs`;

/** 1,000 events before the period, then 2,000 changes in it, through ingestEvents at the clock's time. */
async function seedEvents(deps: Deps, handle: DatabaseHandle, clock: ReturnType<typeof fixedClock>) {
  const rand = prng(20_250_201);
  const { active, quiet } = splitCountries(rand);
  const generated = benchEvents(EARLIER_EVENTS + NEW_EVENTS, 20_250_202);
  const earlier = placeEvents(generated.slice(0, EARLIER_EVENTS), active, rand, 'old', ['2024-09', '2024-10', '2024-11', '2024-12']);
  const fresh = placeEvents(generated.slice(EARLIER_EVENTS), active, rand, 'new', ['2024-12', '2025-01']);
  const ingestAll = async (events: readonly EventInput[]) => {
    for (let i = 0; i < events.length; i += 500)
      await ingestEvents(
        deps,
        events.slice(i, i + 500).map((e) => normaliseEvent(eventInputSchema.parse(e))),
      );
  };
  await ingestAll(earlier);
  const cursor = await latestChangeId(handle.db);
  clock.set(IN_PERIOD);
  await ingestAll(fresh);
  clock.set(LATE_IN_PERIOD);
  const flip = (e: EventInput): EventInput => ({ ...e, watchFlag: !e.watchFlag });
  const modified = [
    ...earlier.slice(0, EARLIER_UPDATES).map((e, i) => ({
      ...e,
      updates: [
        ...(e.updates ?? []),
        { text: `Update: the court ruled on the appeal in January (${i}); the measure stays in force pending review.`, date: '2025-01' },
      ],
    })),
    ...earlier.slice(EARLIER_UPDATES, EARLIER_UPDATES + EARLIER_FLIPS).map(flip),
    ...fresh.slice(0, NEW_EDITS).map((e) => ({ ...e, body: `${e.body} Edited: figures corrected after the ministry's statement.` })),
    ...fresh.slice(NEW_EDITS, NEW_EDITS + NEW_FLIPS).map(flip),
  ];
  await ingestAll(modified);
  const upTo = await latestChangeId(handle.db);
  if (upTo - cursor !== PERIOD_CHANGES) throw new Error(`expected ${PERIOD_CHANGES} changes in the period, the log has ${upTo - cursor}`);
  const windowEvents = await sql<{ id: string; country_id: string; categories: string[] }>`
    select distinct e.id, e.country_id, e.categories from changes c join events e on e.id = c.event_id where c.id > ${cursor}`.execute(
    handle.db,
  );
  const changedCountries = new Set(windowEvents.rows.map((r) => r.country_id));
  log(
    `  events: ${EARLIER_EVENTS} before the period (cursor ${cursor}), ${fmtInt(PERIOD_CHANGES)} changes in it on ${fmtInt(windowEvents.rows.length)} events in ${changedCountries.size} countries`,
  );

  return { active, quiet, cursor, upTo, windowEvents: windowEvents.rows, changedCountries };
}

/** The subscribers, inserted in bulk, and what each should get from the tick (computed here, apart from the app). */
async function seedSubscribers(
  handle: DatabaseHandle,
  { active, quiet }: { active: string[]; quiet: string[] },
  cursor: number,
  windowEvents: readonly { id: string; country_id: string; categories: string[] }[],
) {
  const subscribers = generateSubscribers(SUBSCRIBERS, active, quiet);
  const tSubs = now();
  await insertSubscribers(handle.db, subscribers, cursor);
  await sql`analyze`.execute(handle.db);
  const insertS = (now() - tSubs) / 1000;
  const expected = new Map<string, boolean>(); // email -> gets a digest
  const kindOf = new Map<string, string>();
  const itemsPerSubscriber: number[] = [];
  const eventsByCountry = new Map<string, { country: string; categories: string[] }[]>();
  for (const e of windowEvents) {
    const list = eventsByCountry.get(e.country_id) ?? [];
    list.push({ country: e.country_id, categories: e.categories });
    eventsByCountry.set(e.country_id, list);
  }
  const allWindowEvents = [...eventsByCountry.values()].flat();
  for (const s of subscribers) {
    const place = s.countries.length === 0 && s.regions.length === 0;
    const candidates = place
      ? allWindowEvents
      : [...new Set([...s.countries, ...countries.filter((c) => s.regions.includes(c.region)).map((c) => c.id)])].flatMap(
          (c) => eventsByCountry.get(c) ?? [],
        );
    const matched = candidates.filter((e) => wantsEvent(s, e)).length;
    itemsPerSubscriber.push(matched);
    expected.set(s.email, matched > 0 || !s.skipEmpty);
    kindOf.set(s.email, s.kind);
  }
  const expectedSent = [...expected.values()].filter(Boolean).length;
  const kinds = new Map<string, number>();
  for (const s of subscribers) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
  const weekly = subscribers.filter((s) => s.frequency === 'weekly').length;
  const skipEmpty = subscribers.filter((s) => s.skipEmpty).length;
  const empty = itemsPerSubscriber.filter((n) => n === 0).length;
  const mix = [...kinds].map(([k, n]) => `${k} ${((100 * n) / SUBSCRIBERS).toFixed(0)}%`).join(', ');
  log(
    `  subscribers: ${fmtInt(SUBSCRIBERS)} inserted in ${insertS.toFixed(1)} s (${mix}; weekly ${((100 * weekly) / SUBSCRIBERS).toFixed(0)}%, ` +
      `skip-empty ${((100 * skipEmpty) / SUBSCRIBERS).toFixed(0)}%); matching events per subscriber: median ${median(itemsPerSubscriber)}, ` +
      `p90 ${pct(itemsPerSubscriber, 90)}, max ${maxOf(itemsPerSubscriber)}; ${fmtInt(empty)} with none; expected ${fmtInt(expectedSent)} digests`,
  );

  return { expected, kindOf, itemsPerSubscriber, expectedSent, kinds, weekly, skipEmpty, mix };
}

export async function run(): Promise<BenchResult> {
  const url = benchDatabaseUrl();
  const loadWait = await waitForQuietMachine();
  const runClock = startRun();
  log(
    `digests bench: ${fmtInt(SUBSCRIBERS)} subscribers, ${fmtInt(PERIOD_CHANGES)} changes in the period, one tick at ${AS_OF.toISOString()}`,
  );

  const pgVersion = await postgresVersion(url);
  const schema = `bench_digests_${process.pid}`;
  await adminQuery(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  const handle = openPostgres(url, { searchPath: schema });
  const resend = await startFakeResendProcess();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-digests-'));
  try {
    await migrateToLatest(handle.db);
    let firstClaimAt: number | undefined;
    const timer = statementTimer(digestLabel, {
      keepSeries: true,
      onStart: (label, t) => {
        if (firstClaimAt === undefined && label.startsWith('select digests join') && label.endsWith('for update')) firstClaimAt = t;
      },
    });
    const db = handle.db.withPlugin(timer.plugin);
    const clock = fixedClock(BEFORE_PERIOD);
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const timed = timedMailer(
      createResendMailer({ apiKey: API_KEY, baseUrl: resend.url, defaultFrom: EMAIL_FROM, clock, log: logger, metrics: metrics.email }),
    );
    // The deps the app builds, with the Resend mailer pointed at the fake.
    const deps: Deps = createBenchDeps(
      { db, kind: 'postgres', pool: handle.pool },
      {
        NODE_ENV: 'development',
        APP_SECRET,
        ADMIN_TOKEN: 'bench-admin-token-0123456789',
        PUBLIC_BASE_URL: 'https://alerts.example.org',
        DATA_DIR: dataDir,
        DATABASE_URL: url,
        RESEND_API_KEY: API_KEY,
        RESEND_BASE_URL: resend.url,
        EMAIL_FROM,
      },
      { clock, log: logger, metrics, mailer: timed.mailer },
    );

    const tSetup = now();
    const { active, quiet, cursor, upTo, windowEvents, changedCountries } = await seedEvents(deps, handle, clock);
    const { expected, kindOf, itemsPerSubscriber, expectedSent, kinds, weekly, skipEmpty, mix } = await seedSubscribers(
      handle,
      { active, quiet },
      cursor,
      windowEvents,
    );
    log(`  setup took ${((now() - tSetup) / 1000).toFixed(1)} s`);

    // Warm the HTTP path and the JIT once (a tiny batch to the fake, outside the timing).
    const warmBodies = rawBodies(
      Array.from({ length: 100 }, (_, i) => ({ to: `warm-${i}@example.org`, subject: 'warm', html: '<p>warm</p>', text: 'warm' })),
    );
    await rawPosting(resend.url, warmBodies, 3, -1, 0);
    await resend.reset();

    // --- The tick --------------------------------------------------------------------------------
    clock.set(AS_OF);
    timer.totals.clear();
    timer.series.clear();
    gc();
    const memBefore = process.memoryUsage();
    const cpuBefore = process.cpuUsage();
    const sampler = memorySampler();
    const recordedAt: number[] = [];
    const tickStart = now();
    let result: DigestTickResult | undefined;
    let stoppedAt: number | undefined;
    try {
      result = await runDigestTick(deps, {
        asOf: AS_OF,
        trigger: 'bench',
        afterRecord: async () => {
          const t = now();
          if (TICK_BUDGET_MS > 0 && t - tickStart > TICK_BUDGET_MS) {
            stoppedAt = t;
            throw new BudgetReached();
          }
          recordedAt.push(t);
        },
      });
    } catch (error) {
      if (!(error instanceof BudgetReached)) throw error;
    }
    const tickEnd = now();
    const cpu = process.cpuUsage(cpuBefore);
    const mem = sampler.stop();
    const complete = result !== undefined;
    const wallMs = (stoppedAt ?? tickEnd) - tickStart;
    // A stopped tick is measured up to its last batch marked sent (the batch recorded when the
    // budget ran out is left unsent, as a crash would leave it).
    const rateMs = complete ? wallMs : timed.stats.lastCallAt - tickStart;
    const tickStatements = new Map(timer.totals);
    const tickSeries = new Map(timer.series);
    const firstClaimStart = firstClaimAt ?? tickStart;

    const rowsNow = await sql<{ email: string; status: string; digest_cursor: number }>`
      select s.email, d.status, s.digest_cursor from digests d join subscribers s on s.id = d.subscriber_id`.execute(handle.db);
    const statuses: Record<string, number> = {};
    for (const r of rowsNow.rows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const sent = statuses.sent ?? 0;
    const skipped = statuses.skipped ?? 0;
    const e2eRate = (sent / rateMs) * 1000;
    const fullTickEstimateS = complete ? wallMs / 1000 : (SUBSCRIBERS / (sent + skipped)) * (rateMs / 1000);
    const cpuShare = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    log(
      `  tick: ${complete ? JSON.stringify(result) : `STOPPED at the ${TICK_BUDGET_MS / 1000} s budget`}; digest rows ${JSON.stringify(statuses)}; ` +
        `${fmtInt(e2eRate)} digests/s (${fmtInt(sent)} sent, ${fmtInt(skipped)} skipped in ${(rateMs / 1000).toFixed(1)} s)` +
        `${complete ? '' : `; a whole tick would take ~${fmtInt(fullTickEstimateS)} s`}; node CPU ${cpuShare.toFixed(0)}% of wall; ` +
        `peak RSS ${mb(mem.peakRss)} (before ${mb(memBefore.rss)}), peak heap ${mb(mem.peakHeap)} (before ${mb(memBefore.heapUsed)})`,
    );

    // --- Correctness ------------------------------------------------------------------------------
    const problems: string[] = [];
    const inbox = new Map<string, number>();
    let withoutOneClick = 0;
    const delivered = await resend.deliveries();
    for (const d of delivered) {
      for (const to of d.to) inbox.set(to, (inbox.get(to) ?? 0) + 1);
      if (!d.oneClick) withoutOneClick++;
    }
    let missing = 0;
    let twice = 0;
    let unwanted = 0;
    let sentNotDelivered = 0;
    let deliveredNotSent = 0;
    let wrongSkip = 0;
    let badCursor = 0;
    const rowStatus = new Map(rowsNow.rows.map((r) => [r.email, r]));
    for (const [email, wanted] of expected) {
      const n = inbox.get(email) ?? 0;
      const row = rowStatus.get(email);
      if (complete && wanted && n === 0) missing++;
      if (n > 1) twice++;
      if (!wanted && n > 0) unwanted++;
      if (row?.status === 'sent' && n !== 1) sentNotDelivered++;
      if (n > 0 && row?.status !== 'sent') deliveredNotSent++;
      if (row?.status === 'skipped' && wanted) wrongSkip++;
      const closed = row?.status === 'sent' || row?.status === 'skipped';
      if (row && (closed ? row.digest_cursor !== upTo : row.digest_cursor !== cursor)) badCursor++;
    }
    const strangers = [...inbox.keys()].filter((to) => !expected.has(to)).length;
    if (missing) problems.push(`${missing} subscribers got no digest`);
    if (twice) problems.push(`${twice} subscribers got more than one`);
    if (unwanted) problems.push(`${unwanted} skip-empty subscribers with nothing matching got one`);
    if (strangers) problems.push(`${strangers} deliveries to unknown addresses`);
    if (sentNotDelivered || deliveredNotSent)
      problems.push(
        `rows marked sent and inboxes disagree (${sentNotDelivered} sent but not delivered once, ${deliveredNotSent} delivered but not marked sent)`,
      );
    if (wrongSkip) problems.push(`${wrongSkip} subscribers skipped although something matched or they want empty digests`);
    if (badCursor) problems.push(`${badCursor} subscribers' cursors are wrong`);
    if (withoutOneClick) problems.push(`${withoutOneClick} deliveries without the one-click unsubscribe headers`);
    if (rowsNow.rows.length !== SUBSCRIBERS) problems.push(`${rowsNow.rows.length} digest rows for ${SUBSCRIBERS} subscribers`);
    if (result && (result.sent !== expectedSent || result.skipped !== SUBSCRIBERS - expectedSent || result.failed || result.deferred)) {
      problems.push(`tick counts ${JSON.stringify(result)}, expected ${expectedSent} sent`);
    }
    const correct = problems.length === 0;
    const checkSummary = complete
      ? `${fmtInt(inbox.size)} inboxes with 1 digest each = every subscriber expected; ${fmtInt(skipped)} skip-empty with nothing matching got none; cursors all at ${upTo}`
      : `of the ${fmtInt(sent + skipped)} subscribers the stopped tick closed: ${fmtInt(inbox.size)} inboxes with 1 digest each (= rows marked sent), ` +
        `${fmtInt(skipped)} skipped (all skip-empty with nothing matching), no delivery twice or to anyone else; the rest still pending, cursors untouched`;
    log(`  check: ${correct ? checkSummary : `PROBLEMS: ${problems.join('; ')}`}`);

    // The claim's plan with the tick's rows in place (in a transaction that is rolled back).
    const claimPlan = await explainClaim(handle);
    log(`  claim plan now: ${claimPlan}`);

    // The fake's own process: its CPU during the tick and its memory (its delivery log grows with recipients).
    const fakeUsage = await resend.usage();
    await resend.reset();
    const half = tickStart + wallMs / 2;
    const heapFirstHalf = Math.max(...mem.series.filter((m) => m.t < half).map((m) => m.heap));
    const heapSecondHalf = Math.max(...mem.series.filter((m) => m.t >= half).map((m) => m.heap));

    // --- Render cost per digest over a sample of the stored models ---------------------------------
    const step = Math.max(1, Math.floor(sent / RENDER_SAMPLE));
    const stored = await sql<{ model: unknown; item_count: number }>`
      select model, item_count from digests where status = 'sent' and id % ${step} = 0 order by id limit ${RENDER_SAMPLE}`.execute(
      handle.db,
    );
    // Read back as a retry reads them, then copied apart: timed alone, no model shares a report object with another.
    const models = (
      await readRecordedModels(
        handle.db,
        stored.rows.map((r) => r.model),
      )
    ).map((model) => structuredClone(model));
    for (const model of models.slice(0, 100)) digestMessage(model); // warm
    const renderMs: number[] = [];
    const renderByKind = new Map<string, number[]>();
    const shown: number[] = [];
    const messages: EmailMessage[] = [];
    for (const model of models) {
      const t = now();
      const message = digestMessage(model);
      const ms = now() - t;
      renderMs.push(ms);
      const kind = kindOf.get(model.recipient.email) ?? '?';
      renderByKind.set(kind, [...(renderByKind.get(kind) ?? []), ms]);
      if (messages.length < 1_000) messages.push(message);
    }
    for (const model of models) shown.push(renderDigestEmail(model).shownCount);
    const storedItems = stored.rows.map((r) => r.item_count);
    const sampleChars = messages.map((m) => m.html.length + (m.text?.length ?? 0));
    log(
      `  render: digestMessage over ${fmtInt(models.length)} stored models (items median ${median(storedItems)}, p90 ${pct(storedItems, 90)}; shown median ${median(shown)}, max ${maxOf(shown)}): ` +
        `median ${us(median(renderMs))}, mean ${us(mean(renderMs))}, p95 ${us(pct(renderMs, 95))}`,
    );

    const composeProbe = await profileCompose(deps, handle, cursor, upTo, Math.min(2_000, SUBSCRIBERS), kindOf);
    const inTickRenderMs =
      [...composeProbe.byKind.values()].reduce((a, k) => a + k.count * k.renderMs, 0) /
      [...composeProbe.byKind.values()].reduce((a, k) => a + k.count, 0);
    const tickFillMs = median(composeProbe.renderAll);

    // --- (a) mjml2html per recipient ---------------------------------------------------------------
    const mjmlFile = join(templatesDir, 'digest.mjml');
    const source = readFileSync(mjmlFile, 'utf8');
    await compileMjml(source, mjmlFile); // warm mjml's lazy requires
    // Per recipient: compile (mjml2html + ASCII, as the build does) and parse the template, then
    // the same fill. The fill is what the precompiled path costs, so (compile + fill) / fill.
    const compileMs: number[] = [];
    for (let i = 0; i < MJML_CALLS; i++) {
      const t = now();
      prepareTemplate(await compileMjml(source, mjmlFile));
      compileMs.push(now() - t);
    }
    // The precompiled path is the fill as the tick runs it (reports filled once, shared by their
    // readers); mjml2html per recipient would compile per recipient and then fill the same way.
    const mjmlMs = median(compileMs) + tickFillMs;
    const mjmlRatio = mjmlMs / tickFillMs;
    // For comparison: against the fill of a stored model alone (nothing shared, every report prepared for this reader).
    const mjmlRatioAlone = (median(compileMs) + median(renderMs)) / median(renderMs);
    log(
      `  mjml2html per recipient: compile + parse median ${median(compileMs).toFixed(1)} ms over ${MJML_CALLS} calls; with the fill ${fmtRatio(mjmlRatio)} the precompiled ` +
        `fill as in the tick (median ${us(tickFillMs)}); ${fmtRatio(mjmlRatioAlone)} a stored model filled alone (median ${us(median(renderMs))})`,
    );

    // --- (b) raw posting of batches of 100 of these emails -------------------------------------------
    const bodies = rawBodies(messages);
    const rawPasses: { ms: number; emails: number; batches: number }[] = [];
    const rawFakeCpu: number[] = [];
    const sdkMailer = createResendMailer({
      apiKey: API_KEY,
      baseUrl: resend.url,
      defaultFrom: EMAIL_FROM,
      clock,
      log: logger,
      metrics: metrics.email,
    });
    const sdkPasses: { ms: number; emails: number; batches: number }[] = [];
    for (let pass = 1; pass <= 2; pass++) {
      await rawPosting(resend.url, bodies, 2, pass + 10, 0); // a fresh keep-alive connection, untimed
      await resend.reset();
      rawPasses.push(await rawPosting(resend.url, bodies, RAW_BATCHES, pass, RAW_SECONDS * 1000));
      rawFakeCpu.push((await resend.usage()).cpuMs);
      await resend.reset();
      await mailerPosting(sdkMailer, messages, 2, pass + 10, 0);
      sdkPasses.push(await mailerPosting(sdkMailer, messages, RAW_BATCHES, pass, RAW_SECONDS * 1000));
      await resend.reset();
    }
    const rawRates = rawPasses.map((p) => (p.emails / p.ms) * 1000);
    const rawRate = median(rawRates);
    const sdkRates = sdkPasses.map((p) => (p.emails / p.ms) * 1000);
    const sdkRate = median(sdkRates);
    const bodyBytes = mean(bodies.map((b) => Buffer.byteLength(b)));
    // What the fake itself does per batch (its steps, replicated here): parse and sha256 of the bytes;
    // and what the client adds in the tick: serialising the batch as the mailer does, and encoding it.
    const fakeMs: number[] = [];
    const stringifyMs: number[] = [];
    for (const [i, body] of bodies.slice(0, 5).entries()) {
      let t = now();
      const bytes = Buffer.from(body);
      JSON.parse(bytes.toString('utf8'));
      createHash('sha256').update('/emails/batch\n').update(bytes).digest('hex');
      fakeMs.push(now() - t);
      t = now();
      Buffer.from(JSON.stringify(rawPayloads(messages.slice(100 * i, 100 * i + 100))[0]));
      stringifyMs.push(now() - t);
    }
    const rawFakeCpuPerBatch = mean(rawFakeCpu.map((ms, i) => ms / Math.max(1, rawPasses[i]!.batches)));
    log(
      `  raw posting: ${rawPasses.map((p) => p.batches).join(' and ')} batches of 100 (${(bodyBytes / 1e6).toFixed(2)} MB per request body): ` +
        `${rawRates.map((r) => fmtInt(r)).join(' and ')} emails/s; the fake's CPU ${rawFakeCpuPerBatch.toFixed(0)} ms per batch (its parse + sha256 alone ${mean(fakeMs).toFixed(0)} ms), ` +
        `the client's serialising (as the mailer does) + UTF-8 encoding ${mean(stringifyMs).toFixed(0)} ms; through the mailer (SDK): ${sdkRates.map((r) => fmtInt(r)).join(' and ')} emails/s`,
    );

    // --- Models as stored now vs cut to what the email shows ----------------------------------------
    const storage = await measureRecord(handle, models);
    const storageLine =
      `Recorded per batch of 100: ${(storage.modelBytesPerBatch / 1e3).toFixed(0)} kB of models (each report a reference), and ${fmtInt(storage.items)} report lines ` +
      `of ${(storage.itemBytes / 1e6).toFixed(2)} MB stored once for the whole tick (\`digest_items\`); whole models would be ${(storage.wholeBytesPerBatch / 1e6).toFixed(2)} MB per batch.`;
    log(`  ${storageLine}`);

    // --- Where the time goes ---------------------------------------------------------------------
    // Compose and the models' JSON, timed alone, by kind of subscriber.
    const batches = timed.stats.calls;
    // Posting batch N overlaps building batch N+1: gaps between one post's end and the next's start
    // are time the runner was not ready with the next batch (the sender waited for the builder).
    const postingIdle = timed.stats.callStarts.slice(1).reduce((sum, start, i) => sum + Math.max(0, start - timed.stats.callEnds[i]!), 0);
    const sqlRows = [...tickStatements].sort((a, b) => b[1].ms - a[1].ms);
    const _sqlMs = sqlRows.reduce((a, [, st]) => a + st.ms, 0);
    const enqueueMs = firstClaimStart - tickStart;
    const claims = tickSeries.get('select digests join for update') ?? [];
    const tenth = Math.max(1, Math.floor(claims.length / 10));
    const firstClaims = claims.slice(0, tenth);
    const lastClaims = claims.slice(-tenth);
    const perBatch = (ms: number) => (ms / batches).toFixed(1);
    const share = (ms: number) => `${((100 * ms) / wallMs).toFixed(0)}%`;
    const profileColumns: TableColumn[] = [
      { title: 'step' },
      { title: 'statements', align: 'right' },
      { title: 'total ms', align: 'right' },
      { title: `ms per batch of 100 (${batches} batches sent)`, align: 'right' },
      { title: 'share of the tick', align: 'right' },
    ];
    const profileRows: string[][] = [
      ...sqlRows.map(([label, st]) => [`SQL ${label}`, fmtInt(st.count), fmtInt(st.ms), perBatch(st.ms), share(st.ms)]),
      [
        'HTTP: mailer.sendBatch (SDK JSON + fetch + the fake in its own process), overlapping the next build',
        fmtInt(timed.stats.calls),
        fmtInt(timed.stats.ms),
        perBatch(timed.stats.ms),
        share(timed.stats.ms),
      ],
      ["of which the fake's CPU (its process)", '', fmtInt(fakeUsage.cpuMs), perBatch(fakeUsage.cpuMs), share(fakeUsage.cpuMs)],
      [
        'posting idle: the next batch not built yet when the previous post ended',
        '',
        fmtInt(postingIdle),
        perBatch(postingIdle),
        share(postingIdle),
      ],
      [
        'render: digestMessage x 100 (timed alone as in the tick, reports shared: mean x digests sent)',
        '',
        fmtInt(inTickRenderMs * sent),
        perBatch(inTickRenderMs * sent),
        share(inTickRenderMs * sent),
      ],
      [
        'node CPU (this process: runner, SDK, pg client)',
        '',
        fmtInt((cpu.user + cpu.system) / 1000),
        perBatch((cpu.user + cpu.system) / 1000),
        share((cpu.user + cpu.system) / 1000),
      ],
      ['tick (wall)', fmtInt([...tickStatements.values()].reduce((a, st) => a + st.count, 0)), fmtInt(wallMs), perBatch(wallMs), '100%'],
    ];

    const kindColumns: TableColumn[] = [
      { title: 'subscriber chose' },
      { title: 'share', align: 'right' },
      { title: 'items (median)', align: 'right' },
      { title: 'buildDigest (mean)', align: 'right' },
      { title: 'recorded model JSON (median)', align: 'right' },
      { title: 'JSON.stringify (mean)', align: 'right' },
      { title: 'digestMessage, stored model alone (mean)', align: 'right' },
      { title: 'digestMessage as in the tick, reports shared (mean)', align: 'right' },
      { title: 'share of compose + JSON + render (as in the tick)', align: 'right' },
    ];
    const kindTotal = [...composeProbe.byKind.values()].reduce((a, k) => a + k.count * (k.buildMs + k.jsonMs + k.renderMs), 0);
    const kindRows = [...composeProbe.byKind.values()]
      .sort((a, b) => b.count - a.count)
      .map((k) => {
        const render = mean(renderByKind.get(k.kind) ?? [Number.NaN]);
        return [
          k.kind,
          `${((100 * (kinds.get(k.kind) ?? 0)) / SUBSCRIBERS).toFixed(0)}%`,
          String(k.items),
          us(k.buildMs),
          `${(k.jsonBytes / 1000).toFixed(1)} kB`,
          us(k.jsonMs),
          Number.isFinite(render) ? us(render) : 'n/a',
          us(k.renderMs),
          `${((100 * k.count * (k.buildMs + k.jsonMs + k.renderMs)) / kindTotal).toFixed(0)}%`,
        ];
      });

    const columns: TableColumn[] = [{ title: 'measure' }, { title: 'result', align: 'right' }, { title: 'goal' }];
    const e2eVsRaw = e2eRate / rawRate;
    const e2eVsSdk = e2eRate / sdkRate;
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const tickCell = complete
      ? `${fmtInt(e2eRate)} digests/s (${(wallMs / 1000).toFixed(1)} s for ${fmtInt(sent)} sent + ${fmtInt(skipped)} skipped)`
      : `${fmtInt(e2eRate)} digests/s (stopped at the ${TICK_BUDGET_MS / 1000} s budget: ${fmtInt(sent)} sent + ${fmtInt(skipped)} skipped of ${fmtInt(SUBSCRIBERS)} in ${(rateMs / 1000).toFixed(1)} s; whole tick ~${fmtInt(fullTickEstimateS)} s)`;
    const rows: string[][] = [
      [
        'one tick end to end (enqueue + claim + compose + record + render + send + mark sent)',
        tickCell,
        `>= ${fmtInt(GOAL_RATE)}/s: ${met(e2eRate >= GOAL_RATE)}`,
      ],
      [
        '(b) raw posting of the same batches through the mailer the tick uses (resend SDK: serialise + fetch), one at a time, no rendering, no database',
        `${fmtInt(sdkRate)} emails/s (passes: ${sdkRates.map(fmtInt).join(', ')})`,
        '',
      ],
      [
        '(b) raw posting of the same batches as bodies serialised beforehand, plain fetch, one at a time',
        `${fmtInt(rawRate)} emails/s (passes: ${rawRates.map(fmtInt).join(', ')}; ${(bodyBytes / 1e6).toFixed(1)} MB per request)`,
        '',
      ],
      ['end to end / raw posting through the mailer', fmtRatio(e2eVsSdk), `>= ${GOAL_VS_RAW}x: ${met(e2eVsSdk >= GOAL_VS_RAW)}`],
      [
        'end to end / raw posting of bodies serialised beforehand',
        fmtRatio(e2eVsRaw),
        `>= ${GOAL_VS_RAW}x: ${met(e2eVsRaw >= GOAL_VS_RAW)}`,
      ],
      [
        'render per digest: digestMessage(model)',
        `stored models alone (nothing shared): median ${us(median(renderMs))}, mean ${us(mean(renderMs))}, p95 ${us(pct(renderMs, 95))} (${fmtInt(1000 / mean(renderMs))}/s on one core); ` +
          `as in the tick (each report filled once for all its readers): median ${us(tickFillMs)}, mean ${us(inTickRenderMs)} (${fmtInt(1000 / inTickRenderMs)}/s)`,
        '',
      ],
      [
        '(a) mjml2html per recipient (compile + parse), then the same fill',
        `${mjmlMs.toFixed(1)} ms (compile ${median(compileMs).toFixed(1)} ms + fill): ${fmtRatio(mjmlRatio)} the precompiled fill as in the tick (median ${us(tickFillMs)}); ` +
          `${fmtRatio(mjmlRatioAlone)} a stored model filled alone, nothing shared (median ${us(median(renderMs))})`,
        `>= ${GOAL_MJML}x slower: ${met(mjmlRatio >= GOAL_MJML)}`,
      ],
      [
        'email size (HTML + text, sample)',
        `median ${(median(sampleChars) / 1000).toFixed(1)} kB, p90 ${(pct(sampleChars, 90) / 1000).toFixed(1)} kB; in the tick mean ${(timed.stats.chars / Math.max(1, timed.stats.emails) / 1000).toFixed(1)} kB`,
        '',
      ],
      [
        'peak memory during the tick (sampled every 20 ms)',
        `RSS ${mb(mem.peakRss)} (before ${mb(memBefore.rss)}); heap ${mb(mem.peakHeap)} (before ${mb(memBefore.heapUsed)}; peak ${mb(heapFirstHalf)} in the first half, ${mb(heapSecondHalf)} in the second)`,
        'bounded',
      ],
      [
        "the fake Resend's own process after the tick (its delivery log grows with recipients)",
        `RSS ${mb(fakeUsage.rssBytes)} for ${fmtInt(delivered.length)} deliveries`,
        '',
      ],
      ['correctness after the tick', correct ? checkSummary : problems.join('; '), met(correct)],
    ];
    const findings = [
      `Claim statement: median ${median(firstClaims).toFixed(1)} ms in the first tenth of batches, ${median(lastClaims).toFixed(1)} ms in the last. ` +
        `Enqueue (${fmtInt(SUBSCRIBERS)} rows) + stale batches + the change window, before the first claim: ${fmtInt(enqueueMs)} ms.`,
      `Per subscriber, links and the signed view token alone (the part of \`buildDigest\` that does not depend on the changes): ${us(composeProbe.linksMs)}; ` +
        `the claim's plan after the tick: ${claimPlan}.`,
      `The fake Resend runs in its own process; its CPU per raw batch of ${(bodyBytes / 1e6).toFixed(1)} MB: ${rawFakeCpuPerBatch.toFixed(0)} ms (parse + sha256 of the bytes alone, ` +
        `replicated: ${mean(fakeMs).toFixed(0)} ms); the client's serialising (as the mailer does: non-ASCII strings as \\u escapes) + UTF-8 encoding of such a batch: ${mean(stringifyMs).toFixed(0)} ms; all on the same two cores as the runner and PostgreSQL.`,
      storageLine,
      'How this run measures differently from the 2026-11-25 one: (a) is judged against the fill as the tick runs it (reports shared by their readers), the earlier ' +
        'comparison (a stored model filled alone) is still shown; stored models are read back through `digest_items` as a retry reads them; (b) is measured two ways: ' +
        "through the mailer (new; the goal's ratio is given against both) and as bodies serialised beforehand, now serialised as the mailer serialises them " +
        '(non-ASCII strings as \\u escapes, a one-byte body; before: plain JSON.stringify, a two-byte body that was slower to send).',
    ];
    if (!correct) process.exitCode = 1;
    return {
      section: 'Digests (issue 6)',
      command:
        'npm run bench -- digests        # BENCH_SUBSCRIBERS=2000 BENCH_RAW_SECONDS=2 BENCH_MAX_LOAD=0 for a quick pass (no file written)',
      machine: machineInfo({ PostgreSQL: pgVersion }),
      run: runClock.finish(
        loadWait.waitedS >= 1 ? `the run waited ${loadWait.waitedS.toFixed(0)} s before it for the load average to drop` : undefined,
      ),
      write: writeUnless(SUBSCRIBERS !== STANDARD_SUBSCRIBERS, 'BENCH_SUBSCRIBERS'),
      blocks: paragraphs([
        `Workload: ${fmtInt(SUBSCRIBERS)} confirmed subscribers inserted in bulk (${mix}; weekly ${((100 * weekly) / SUBSCRIBERS).toFixed(0)}%, ` +
          `ten time zones from Pacific/Honolulu to Pacific/Auckland, skip-empty ${((100 * skipEmpty) / SUBSCRIBERS).toFixed(0)}%), confirmed 3-13 January 2025 with ` +
          `their cursor after ${EARLIER_EVENTS} earlier events. ${fmtInt(PERIOD_CHANGES)} changes in the period through \`ingestEvents\`: ${fmtInt(NEW_EVENTS)} publications ` +
          `in ${changedCountries.size} countries, ${EARLIER_UPDATES} "Update:" texts and ${EARLIER_FLIPS} watch-flag flips on earlier events, ${NEW_EDITS} edits and ${NEW_FLIPS} flips ` +
          `of events published in the period. Matching events per subscriber: median ${median(itemsPerSubscriber)}, p90 ${pct(itemsPerSubscriber, 90)}, ` +
          `max ${maxOf(itemsPerSubscriber)}; ${fmtInt(SUBSCRIBERS - expectedSent)} skip-empty subscribers have nothing. Then one ` +
          `\`runDigestTick(deps, { asOf: ${AS_OF.toISOString()}, trigger: 'bench' })\` with the deps the app builds (pino silent), through \`createResendMailer\` ` +
          '(the `resend` SDK) to the fake Resend of testkit run in its own process (`fake-resend-process.ts`: reads the body, parses it, hashes the bytes for idempotency, answers at once, content not retained)' +
          (TICK_BUDGET_MS > 0
            ? `, stopped (through the \`afterRecord\` hook, as a crash would) if it runs past ${TICK_BUDGET_MS / 1000} s so the run stays short`
            : '') +
          '. SQL statements are timed in place by a Kysely plugin, the mailer calls by a wrapper. ' +
          `Render: \`digestMessage(model)\` alone over ${fmtInt(models.length)} stored models spread over the tick (read back as a retry reads them, copied apart so nothing is shared), ` +
          `and as the tick fills: ${fmtInt(composeProbe.renderAll.length)} models built by \`buildDigest\` over the tick's change window (sharing each event's report, as a run does), ` +
          `filled one by one after a warm-up; (a) compiles digest.mjml with \`mjml2html\` (as the build does) and parses it per recipient, ${MJML_CALLS} times, ` +
          `added to the fill as the tick runs it (the goal's ratio) and, for comparison, to a stored model filled alone; (b) posts batches of 100 of the rendered stored emails ` +
          `one request at a time as the runner does, two ways, two passes each of up to ${RAW_SECONDS} s after the tick: through a mailer like the tick's (\`createResendMailer\`, the SDK serialising each request), ` +
          'and as bodies serialised beforehand (as the mailer serialises them) sent with plain `fetch`.',
        '',
        { columns, rows },
        '',
        'Goals (issue 6):',
        '',
        `- end to end >= ${fmtInt(GOAL_RATE)} digests/s: **${e2eRate >= GOAL_RATE ? 'met' : 'not met'}** (${fmtInt(e2eRate)}/s)`,
        `- end to end >= ${GOAL_VS_RAW}x of the raw posting rate: **${e2eVsSdk >= GOAL_VS_RAW ? 'met' : 'not met'}** against posting the same batches through the same mailer ` +
          `(${fmtRatio(e2eVsSdk)} of ${fmtInt(sdkRate)}/s); **${e2eVsRaw >= GOAL_VS_RAW ? 'met' : 'not met'}** against posting bodies serialised beforehand with plain fetch ` +
          `(${fmtRatio(e2eVsRaw)} of ${fmtInt(rawRate)}/s: that baseline leaves out serialising the request, ~${mean(stringifyMs).toFixed(0)} ms of the client's CPU per batch)`,
        `- mjml2html per recipient >= ${GOAL_MJML}x slower than the precompiled template: **${mjmlRatio >= GOAL_MJML ? 'met' : 'not met'}** (${fmtRatio(mjmlRatio)} ` +
          `against the fill as the tick runs it, this workload's digests of median ${median(storedItems)} reports and ${(median(sampleChars) / 1000).toFixed(0)} kB; ` +
          `${fmtRatio(mjmlRatioAlone)} against a stored model filled alone with nothing shared)`,
        `- peak memory bounded: RSS ${mb(mem.peakRss)}, heap ${mb(mem.peakHeap)} at most during the tick, ${mb(heapFirstHalf)} / ${mb(heapSecondHalf)} in its first / second half ` +
          `(this process; the fake's own process ${mb(fakeUsage.rssBytes)})`,
        `- exactly one digest per subscriber (none for skip-empty ones with nothing new): **${correct ? 'met' : 'not met'}**${complete ? '' : ' for the part the stopped tick closed'}`,
        '',
        `Where the tick's time goes (node CPU ${cpuShare.toFixed(0)}% of wall; PostgreSQL and the fake share the two cores; posting a batch overlaps building the next, so the shares add up to more than 100%):`,
        '',
        { columns: profileColumns, rows: profileRows },
        '',
        "CPU per digest by what the subscriber chose (timed alone; `buildDigest` over the tick's change window, `digestMessage` over the stored models):",
        '',
        { columns: kindColumns, rows: kindRows },
        '',
        ...findings.map((f) => `- ${f}`),
      ]),
    };
  } finally {
    await resend.close();
    await handle.close();
    if (process.env.BENCH_KEEP_SCHEMA !== '1') await adminQuery(url, `drop schema if exists ${schema} cascade`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function explainClaim(handle: DatabaseHandle): Promise<string> {
  const claim = `explain (analyze, format text) select d.id, s.email from digests d join subscribers s on s.id = d.subscriber_id
    where d.status = 'pending' and d.due_at <= $1 order by d.due_at, d.id limit 100 for update of d skip locked`;
  const planLines = (rows: Record<string, string>[]) => rows.map((r) => r['QUERY PLAN']!.trim());
  const client = await handle.pool!.connect();
  try {
    await client.query('begin');
    const lines = planLines((await client.query(claim, [AS_OF])).rows);
    // As near the end of the tick: 90% of the rows closed (rolled back below).
    await client.query(
      `update digests set status = 'sent' where id in (select id from digests where status = 'pending' order by id limit (select (count(*) * 0.9)::int from digests))`,
    );
    const late = planLines((await client.query(claim, [AS_OF])).rows);
    await client.query('rollback');
    const nodes = lines
      .filter(
        (l) =>
          /^(->\s*)?(Limit|LockRows|Sort|Incremental Sort|Index|Seq Scan|Bitmap|Hash|Nested Loop|Merge)/.test(l) &&
          !/^Sort (Key|Method)/.test(l),
      )
      .map((l) => l.replace(/^->\s*/, '').replace(/\s+\(cost=[^)]*\)/, ''))
      .slice(0, 8);
    const time = (ls: string[]) => ls.find((l) => l.startsWith('Execution Time')) ?? '';
    const lateScan = late.find((l) => /Rows Removed by Filter/.test(l)) ?? '';
    return `${nodes.join(' | ')} | ${time(lines)}; with 90% of the rows closed (simulated, rolled back): ${time(late)} (${lateScan})`;
  } finally {
    client.release();
  }
}

/**
 * What the tick recorded (from the tables afterwards): the rows' models, which refer to their
 * reports, and the report lines stored once each; against the whole models (`models`, read back).
 */
async function measureRecord(handle: DatabaseHandle, models: readonly DigestModel[]) {
  const r = await sql<{ rows: string; model_bytes: string; items: string; item_bytes: string }>`
    select (select count(*) from digests where model is not null) as rows,
      (select coalesce(sum(octet_length(model::text)), 0) from digests where model is not null) as model_bytes,
      (select count(*) from digest_items) as items,
      (select coalesce(sum(octet_length(item::text)), 0) from digest_items) as item_bytes`.execute(handle.db);
  const row = r.rows[0]!;
  const rows = Math.max(1, Number(row.rows));
  return {
    modelBytesPerBatch: (100 * Number(row.model_bytes)) / rows,
    items: Number(row.items),
    itemBytes: Number(row.item_bytes),
    wholeBytesPerBatch: 100 * mean(models.map((model) => JSON.stringify(model).length)),
  };
}

/** buildDigest and the JSON of its model, timed alone for a sample of subscribers, by kind. */
async function profileCompose(
  deps: Deps,
  handle: DatabaseHandle,
  cursor: number,
  upTo: number,
  count: number,
  kindOf: ReadonlyMap<string, string>,
) {
  const changes = await listChangesBetween(handle.db, cursor, upTo);
  const window = indexChangeWindow(upTo, changes, await loadEvents(handle.db, [...new Set(changes.map((c) => c.eventId))]));
  const step = Math.max(1, Math.floor(SUBSCRIBERS / count));
  const rows = await sql<ClaimedDigest>`
    select d.id, d.subscriber_id, d.period_key, d.due_at, s.email, s.countries, s.regions, s.categories, s.frequency, s.timezone, s.skip_empty,
      ${cursor}::bigint as digest_cursor, s.token_version
    from digests d join subscribers s on s.id = d.subscriber_id where d.id % ${step} = 0 order by d.id limit ${count}`.execute(handle.db);
  for (const row of rows.rows.slice(0, 50)) buildDigest(deps, row, window); // warm
  // The per-subscriber part that does not depend on the changes: links and the signed view token.
  const linksMs: number[] = [];
  for (const row of rows.rows) {
    const t = now();
    const links = subscriberLinks(deps, { id: row.subscriber_id, token_version: row.token_version });
    links.manage();
    links.unsubscribe();
    links.site();
    deps.tokens.sign('view', { subscriberId: row.subscriber_id, version: row.token_version, ref: String(row.id) }, { ttlMs: null });
    linksMs.push(now() - t);
  }
  const byKind = new Map<
    string,
    { kind: string; count: number; build: number[]; json: number[]; bytes: number[]; items: number[]; render: number[] }
  >();
  const builtModels: { kind: string; model: DigestModel }[] = [];
  for (const row of rows.rows) {
    const kind = kindOf.get(row.email) ?? '?';
    const k = byKind.get(kind) ?? { kind, count: 0, build: [], json: [], bytes: [], items: [], render: [] };
    byKind.set(kind, k);
    k.count++;
    let t = now();
    const built = buildDigest(deps, row, window);
    k.build.push(now() - t);
    if (built.kind !== 'send') continue;
    k.items.push(built.itemCount);
    t = now();
    const json = JSON.stringify(recordModel(built.model).model); // what the row records
    k.json.push(now() - t);
    k.bytes.push(json.length);
    builtModels.push({ kind, model: built.model });
  }
  // The fill as the tick does it: the models of one run share each event's report object, so
  // each report is prepared and filled once for all its readers. Timed in a loop of its own
  // (after a warm-up, as 96% of a tick's digests are), one digest at a time.
  for (const { model } of builtModels.slice(0, 100)) digestMessage(model);
  const renderAll: number[] = [];
  for (const { kind, model } of builtModels) {
    const t = now();
    digestMessage(model);
    const ms = now() - t;
    byKind.get(kind)!.render.push(ms);
    renderAll.push(ms);
  }
  return {
    linksMs: mean(linksMs),
    renderAll,
    byKind: new Map(
      [...byKind].map(([kind, k]) => [
        kind,
        {
          kind,
          count: k.count,
          buildMs: mean(k.build),
          jsonMs: k.json.length ? mean(k.json) : 0,
          jsonBytes: k.bytes.length ? median(k.bytes) : 0,
          items: k.items.length ? median(k.items) : 0,
          renderMs: k.render.length ? mean(k.render) : 0,
        },
      ]),
    ),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
