/**
 * The digests bench's population: events before and in a digest period (through `ingestEvents`)
 * and subscribers with varied choices, with what each should get from one tick (worked out here,
 * apart from src/, from the documented matching rules).
 */
import { sql } from 'kysely';
import { type EventInput, eventInputSchema, normaliseEvent } from '../src/alerts/event';
import { ingestEvents } from '../src/alerts/ingest';
import type { fixedClock } from '../src/clock';
import { latestChangeId } from '../src/db/changes';
import type { DatabaseHandle } from '../src/db/connect';
import type { Frequency } from '../src/db/database';
import type { Deps } from '../src/services';
import { categoryIds } from '../src/taxonomy/categories';
import { countries, regions } from '../src/taxonomy/countries';
import { benchEvents } from './generated-events';
import { pick, prng, sample, shuffle, weighted } from './random';
import { maxOf, median } from './stats';

const now = () => performance.now();
const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

export const BEFORE_PERIOD = new Date('2024-12-10T12:00:00Z');
const CONFIRMED_FROM = new Date('2025-01-03T00:00:00Z'); // + up to 10 days: before every due time
const IN_PERIOD = new Date('2025-01-15T12:00:00Z');
const LATE_IN_PERIOD = new Date('2025-01-25T12:00:00Z');
/** After every zone's 1 Feb 09:00 and Monday 27 Jan 09:00. */
export const AS_OF = new Date('2025-02-02T12:00:00Z');

export const ACTIVE_COUNTRIES = 150;
export const EARLIER_EVENTS = 1_000; // published before the period: subscribers' cursors are past them
export const NEW_EVENTS = 1_700; // published in the period
export const EARLIER_UPDATES = 100; // an "Update:" added to an earlier event
export const EARLIER_FLIPS = 50; // an earlier event's watch flag raised or lifted
export const NEW_EDITS = 100; // a new event's text edited in the same period (collapses into "new")
export const NEW_FLIPS = 50;
export const PERIOD_CHANGES = NEW_EVENTS + EARLIER_UPDATES + EARLIER_FLIPS + NEW_EDITS + NEW_FLIPS; // 2,000

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

export interface BenchSubscriber {
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

/** Floor-rank percentile, as the digests bench has always reported it. */
export const floorPercentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** 1,000 events before the period, then 2,000 changes in it, through ingestEvents at the clock's time. */
export async function seedPeriodEvents(deps: Deps, handle: DatabaseHandle, clock: ReturnType<typeof fixedClock>) {
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
  console.log(
    `  events: ${EARLIER_EVENTS} before the period (cursor ${cursor}), ${fmtInt(PERIOD_CHANGES)} changes in it on ${fmtInt(windowEvents.rows.length)} events in ${changedCountries.size} countries`,
  );

  return { active, quiet, cursor, upTo, windowEvents: windowEvents.rows, changedCountries };
}

/** The subscribers, inserted in bulk, and what each should get from the tick (computed here, apart from the app). */
export async function seedPopulation(
  handle: DatabaseHandle,
  count: number,
  { active, quiet }: { active: string[]; quiet: string[] },
  cursor: number,
  windowEvents: readonly { id: string; country_id: string; categories: string[] }[],
) {
  const subscribers = generateSubscribers(count, active, quiet);
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
  const mix = [...kinds].map(([k, n]) => `${k} ${((100 * n) / count).toFixed(0)}%`).join(', ');
  console.log(
    `  subscribers: ${fmtInt(count)} inserted in ${insertS.toFixed(1)} s (${mix}; weekly ${((100 * weekly) / count).toFixed(0)}%, ` +
      `skip-empty ${((100 * skipEmpty) / count).toFixed(0)}%); matching events per subscriber: median ${median(itemsPerSubscriber)}, ` +
      `p90 ${floorPercentile(itemsPerSubscriber, 90)}, max ${maxOf(itemsPerSubscriber)}; ${fmtInt(empty)} with none; expected ${fmtInt(expectedSent)} digests`,
  );

  return { expected, kindOf, itemsPerSubscriber, expectedSent, kinds, weekly, skipEmpty, mix };
}
