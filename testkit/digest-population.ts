/**
 * The digests bench's population: events before and in a digest period (through `ingestEvents`)
 * and subscribers with varied choices, with what each should get from one tick (worked out here,
 * apart from src/, from the documented matching rules).
 */
import { sql } from 'kysely';
import type { EventInput } from '../src/alerts/event';
import type { fixedClock } from '../src/clock';
import { latestChangeId } from '../src/db/changes';
import type { DatabaseHandle } from '../src/db/connect';
import type { Deps } from '../src/services';
import { categoryIds } from '../src/taxonomy/categories';
import { countries, regions } from '../src/taxonomy/countries';
import { ingestInputs } from './events';
import { benchEvents } from './generated-events';
import { pick, prng, sample, shuffle, weighted } from './random';

export const BEFORE_PERIOD = new Date('2024-12-10T12:00:00Z');
/** After every zone's 1 Feb 09:00 and Monday 27 Jan 09:00. */
export const AS_OF = new Date('2025-02-02T12:00:00Z');
export const [EARLIER_EVENTS, NEW_EVENTS, EARLIER_UPDATES, EARLIER_FLIPS, NEW_EDITS, NEW_FLIPS] = [1_000, 1_700, 100, 50, 100, 50];
export const PERIOD_CHANGES = NEW_EVENTS + EARLIER_UPDATES + EARLIER_FLIPS + NEW_EDITS + NEW_FLIPS; // 2,000
const countryIds = countries.map((c) => c.id);
const TIME_ZONES: [string, number][] = [
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

/** Floor-rank percentile, as the digests bench has always reported it. */
export const floorPercentile = (values: readonly number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? Number.NaN;

/** 1,000 events before the period (150 active countries, skewed), then 2,000 changes in it, through ingestEvents at the clock's time. */
export async function seedPeriodEvents(deps: Deps, handle: DatabaseHandle, clock: ReturnType<typeof fixedClock>) {
  const rand = prng(20_250_201);
  const ids = shuffle(rand, countryIds);
  const [active, quiet] = [ids.slice(0, 150), ids.slice(150)];
  const generated = benchEvents(EARLIER_EVENTS + NEW_EVENTS, 20_250_202);
  const place = (list: readonly EventInput[], tag: string, months: readonly string[]) =>
    list.map((e, i): EventInput => {
      const country = active[Math.floor(rand() ** 1.6 * active.length)]!;
      const month = pick(rand, months);
      const slug = country.toLowerCase();
      const id = `${slug}-${month}-${tag}-${String(i).padStart(5, '0')}`;
      return { ...e, id, country, month, url: `https://tracker.example.org/countries/${slug}/${month}#${tag}-${i}` };
    });
  const earlier = place(generated.slice(0, EARLIER_EVENTS), 'old', ['2024-09', '2024-10', '2024-11', '2024-12']);
  const fresh = place(generated.slice(EARLIER_EVENTS), 'new', ['2024-12', '2025-01']);
  await ingestInputs(deps, earlier, 500);
  const cursor = await latestChangeId(handle.db);
  clock.set(new Date('2025-01-15T12:00:00Z'));
  await ingestInputs(deps, fresh, 500);
  clock.set(new Date('2025-01-25T12:00:00Z'));
  const flip = (e: EventInput): EventInput => ({ ...e, watchFlag: !e.watchFlag });
  const update = (e: EventInput, i: number): EventInput => ({
    ...e,
    updates: [
      ...(e.updates ?? []),
      { text: `Update: the court ruled on the appeal in January (${i}); the measure stays in force pending review.`, date: '2025-01' },
    ],
  });
  const edits = [
    ...earlier.slice(0, EARLIER_UPDATES).map(update),
    ...earlier.slice(EARLIER_UPDATES, EARLIER_UPDATES + EARLIER_FLIPS).map(flip),
    ...fresh.slice(0, NEW_EDITS).map((e) => ({ ...e, body: `${e.body} Edited: figures corrected after the ministry's statement.` })),
    ...fresh.slice(NEW_EDITS, NEW_EDITS + NEW_FLIPS).map(flip),
  ];
  await ingestInputs(deps, edits, 500);
  const upTo = await latestChangeId(handle.db);
  if (upTo - cursor !== PERIOD_CHANGES) throw new Error(`expected ${PERIOD_CHANGES} changes in the period, the log has ${upTo - cursor}`);
  const { rows: windowEvents } = await sql<{ id: string; country_id: string; categories: string[] }>`
    select distinct e.id, e.country_id, e.categories from changes c join events e on e.id = c.event_id where c.id > ${cursor}`.execute(
    handle.db,
  );
  return { active, quiet, cursor, upTo, windowEvents, changedCountries: new Set(windowEvents.map((r) => r.country_id)) };
}

type Period = Awaited<ReturnType<typeof seedPeriodEvents>>;

/** Varied choices, the same for the same seed. */
function generateSubscribers(count: number, { active, quiet }: Period) {
  const rand = prng(6_006);
  return Array.from({ length: count }, (_, i) => {
    const r = rand();
    const maybeCategories = (share: number) => (rand() < share ? sample(rand, categoryIds, 1 + Math.floor(rand() * 2)) : []);
    const none: string[] = [];
    let s: { kind: string; countries: string[]; regions: string[]; categories: string[] };
    if (r < 0.03) s = { kind: 'everything', countries: none, regions: none, categories: none };
    else if (r < 0.08) s = { kind: 'categories only', countries: none, regions: none, categories: sample(rand, categoryIds, 1) };
    else if (r < 0.18) s = { kind: 'a region', countries: none, regions: [pick(rand, regions)], categories: maybeCategories(0.4) };
    else if (r < 0.88) {
      const chosen = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => (rand() < 0.85 ? pick(rand, active) : pick(rand, quiet)));
      s = { kind: 'countries', countries: [...new Set(chosen)].sort(), regions: none, categories: maybeCategories(0.3) };
    } else
      s = { kind: 'quiet countries', countries: sample(rand, quiet, 1 + Math.floor(rand() * 2)).sort(), regions: none, categories: none };
    return {
      ...s,
      email: `reader-${String(i).padStart(6, '0')}@example.org`,
      frequency: rand() < 0.85 ? ('monthly' as const) : ('weekly' as const),
      timezone: weighted(rand, TIME_ZONES),
      skipEmpty: rand() < 0.25,
      confirmedAt: new Date(Date.parse('2025-01-03T00:00:00Z') + Math.floor(rand() * 10 * 86_400_000)),
    };
  });
}

/** The subscribers, inserted in bulk, and what each should get from the tick (the documented matching rules, not src/'s). */
export async function seedPopulation(handle: DatabaseHandle, count: number, period: Period) {
  const subscribers = generateSubscribers(count, period);
  for (let start = 0; start < subscribers.length; start += 2_000) {
    const rows = subscribers.slice(start, start + 2_000).map((s) => {
      const at = s.confirmedAt;
      const { countries, regions, categories, frequency, timezone, email } = s;
      const times = { created_at: at, updated_at: at, confirmed_at: at, consent_at: at };
      return { email, countries, regions, categories, frequency, timezone, skip_empty: s.skipEmpty, ...times };
    });
    await handle.db
      .insertInto('subscribers')
      .values(rows.map((r) => ({ ...r, status: 'confirmed' as const, consent_source: 'bench', digest_cursor: period.cursor })))
      .execute();
  }
  await sql`analyze`.execute(handle.db);
  const regionOf = new Map(countries.map((c) => [c.id, c.region]));
  const byCountry = Map.groupBy(period.windowEvents, (e) => e.country_id);
  const [expected, kinds] = [new Map<string, boolean>(), new Map<string, number>()];
  const itemsPerSubscriber = subscribers.map((s) => {
    const anyPlace = s.countries.length === 0 && s.regions.length === 0;
    const places = new Set([...s.countries, ...countries.filter((c) => s.regions.includes(c.region)).map((c) => c.id)]);
    const candidates = anyPlace ? period.windowEvents : [...places].flatMap((c) => byCountry.get(c) ?? []);
    const matched = candidates.filter(
      (e) =>
        (anyPlace || s.countries.includes(e.country_id) || s.regions.includes(regionOf.get(e.country_id) ?? '')) &&
        (s.categories.length === 0 || e.categories.length === 0 || e.categories.some((c) => s.categories.includes(c))),
    ).length;
    expected.set(s.email, matched > 0 || !s.skipEmpty);
    kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
    return matched;
  });
  const share = (n: number) => ((100 * n) / count).toFixed(0);
  return {
    emails: subscribers.map((s) => s.email),
    expected,
    kinds,
    itemsPerSubscriber,
    expectedSent: [...expected.values()].filter(Boolean).length,
    weeklyPct: share(subscribers.filter((s) => s.frequency === 'weekly').length),
    skipEmptyPct: share(subscribers.filter((s) => s.skipEmpty).length),
    mix: [...kinds].map(([k, n]) => `${k} ${share(n)}%`).join(', '),
  };
}
