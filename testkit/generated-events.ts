/**
 * Realistic contract events from a seed (the same on every run), for benches and load tests:
 * bodies of several hundred words, 1-3 sources, categories/factors and countries from the taxonomy.
 */
import type { EventInput } from '../src/alerts/event';
import { categories } from '../src/taxonomy/categories';
import { countries } from '../src/taxonomy/countries';
import { pick, prng, shuffle } from './random';

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

function sentence(rand: () => number): string {
  const n = 8 + Math.floor(rand() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(rand, WORDS));
  const s = words.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

function paragraphOf(rand: () => number, minChars: number, maxChars: number): string {
  const target = minChars + Math.floor(rand() * (maxChars - minChars));
  let text = '';
  while (text.length < target) text += (text ? (rand() < 0.15 ? '\n\n' : ' ') : '') + sentence(rand);
  return text;
}

/** `count` of the taxonomy's countries, picked by a seeded shuffle (the same every run). */
export function someCountries(count: number, seed = 170): { id: string; name: string }[] {
  return shuffle(prng(seed), countries)
    .slice(0, count)
    .map((c) => ({ id: c.id, name: c.name }));
}

export interface GenerateOptions {
  count: number;
  seed: number;
  /**
   * `random`: any country of the taxonomy, 10% of them spelled in lower case, ids `<iso>-<month>-bench-<i>`;
   * a list: round-robin over it, titles led by the country's name, ids `<iso>-<month>-<i>`.
   */
  countries: 'random' | readonly { id: string; name: string }[];
  bodyChars: readonly [number, number];
  watchShare: number;
}

/** Events in the contract's input shape; the same options give the same events. */
export function generateEvents(o: GenerateOptions): EventInput[] {
  const rand = prng(o.seed);
  const countryIds = countries.map((c) => c.id);
  const events: EventInput[] = [];
  for (let i = 0; i < o.count; i++) {
    const listed = o.countries === 'random' ? undefined : o.countries[i % o.countries.length]!;
    const iso = listed ? listed.id : pick(rand, countryIds);
    const year = 2019 + Math.floor(rand() * 7);
    const month = `${year}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}`;
    // 1-2 categories; 0-3 factors from them (normalisation adds the parent categories).
    const cats = [pick(rand, categories)];
    if (rand() < 0.35) cats.push(pick(rand, categories));
    const factors: string[] = [];
    const nFactors = Math.floor(rand() * 4);
    for (let f = 0; f < nFactors; f++) factors.push(pick(rand, pick(rand, cats).factors).id);
    const sources = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, s) => {
      const publisher = pick(rand, PUBLISHERS);
      return rand() < 0.9
        ? { name: publisher, url: `https://news.example.org/${iso.toLowerCase()}/${year}/${i}-${s}` }
        : { name: publisher };
    });
    const updates =
      rand() < 0.12 ? [{ text: `Update: ${paragraphOf(rand, 80, 300)}`, ...(rand() < 0.7 ? { date: `${year}-08` } : {}) }] : [];
    const country = listed ? iso : rand() < 0.1 ? iso.toLowerCase() : iso;
    const title = listed ? `${listed.name}: ${sentence(rand)}`.slice(0, 160) : sentence(rand).slice(0, 140);
    events.push({
      id: listed
        ? `${iso.toLowerCase()}-${month}-${String(i).padStart(5, '0')}`
        : `${iso.toLowerCase()}-${month}-bench-${String(i).padStart(6, '0')}`,
      country,
      month,
      title,
      body: paragraphOf(rand, o.bodyChars[0], o.bodyChars[1]),
      categories: cats.map((c) => c.id),
      factors,
      watchFlag: rand() < o.watchShare,
      updates,
      sources,
      url: `https://tracker.example.org/countries/${iso.toLowerCase()}/${month}#event-${i}`,
    });
  }
  return events;
}

/** The ingest bench's workload: any country, bodies of 600-1500 characters, 10% watch-flagged. */
export const benchEvents = (count: number, seed = 20_250_101) =>
  generateEvents({ count, seed, countries: 'random', bodyChars: [600, 1500], watchShare: 0.1 });

/** Splits a list into batches of `size`. */
export function batches<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** The detection bench's feed: `count` events round-robin over 170 countries. */
export const generateFeedEvents = (count: number, seed = 20_250_401): EventInput[] =>
  generateEvents({ count, seed, countries: someCountries(170), bodyChars: [500, 1500], watchShare: 0.08 });

/** 1% of the events (one in every 100) with an edited body: each is one `event.updated`. */
export function editSome(events: readonly EventInput[]): { events: EventInput[]; changed: number } {
  const every = 100;
  let changed = 0;
  const out = events.map((event, i) => {
    if (i % every !== 37) return event;
    changed++;
    return { ...event, body: `${event.body}\n\nUpdate: the measure was revised by parliament in a second reading.` };
  });
  return { events: out, changed };
}

/**
 * 5% of the events changed: every 20th event, of which a quarter flip the watch flag only,
 * a quarter flip it and edit the body, the rest edit the body only.
 */
export function changeSome(events: readonly EventInput[]): { events: EventInput[]; flips: number; edits: number } {
  const every = 20;
  let flips = 0;
  let edits = 0;
  const out = events.map((event, i) => {
    if (i % every !== 7) return event;
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
  return { events: out, flips, edits };
}
