/** Small, pure text helpers shared by the HTML views and the plain-text versions. */
import type { AlertChoices, Frequency } from './models';

export const DEFAULT_SITE_NAME = 'Democracy Tracker';

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** One line of text: whitespace (including newlines) collapsed. */
export function oneLine(value: string | undefined | null): string {
  return (value ?? '').replace(/\s+/g, ' ').trim();
}

/** Cut to `max` characters at a word boundary, with an ellipsis. */
export function shorten(value: string | undefined | null, max: number): string {
  const text = oneLine(value);
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/** "2025-01" -> "January 2025"; anything else is shown as given. */
export function monthLabel(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month.trim());
  const name = match ? monthNames[Number(match[2]) - 1] : undefined;
  return match && name ? `${name} ${match[1]}` : oneLine(month);
}

/** "a", "a and b", "a, b and c"; after `max` names, "and N more". */
export function listNames(names: readonly string[], max = 12): string {
  const clean = names.map(oneLine).filter((n) => n !== '');
  const shown = clean.length > max ? [...clean.slice(0, max), `${clean.length - max} more`] : clean;
  if (shown.length <= 1) return shown[0] ?? '';
  return `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

const numberFormat = new Intl.NumberFormat('en-GB');

/** 1,234 */
export function formatCount(count: number): string {
  return numberFormat.format(count);
}

export function plural(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

export interface ChoicesSummary {
  places: string;
  categories: string;
  frequency: string;
}

export function summariseChoices(choices: AlertChoices): ChoicesSummary {
  const regions = choices.regions.map((r) => `${oneLine(r)} (whole region)`);
  const places = [...regions, ...choices.countries];
  return {
    places: places.length ? listNames(places) : 'All countries',
    categories: choices.categories.length ? listNames(choices.categories) : 'All categories',
    frequency: frequencyLabel(choices.frequency),
  };
}

export function frequencyLabel(frequency: Frequency): string {
  return frequency === 'weekly' ? 'Weekly, on Mondays' : 'Monthly, on the first day of the month';
}

export function digestNoun(frequency: Frequency): string {
  return frequency === 'weekly' ? 'weekly digest' : 'monthly digest';
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let format = dateFormats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone });
    } catch {
      return dateFormat('UTC');
    }
    if (dateFormats.size < 1_000) dateFormats.set(timeZone, format);
  }
  return format;
}

const ranges = new Map<string, string>();

/** "1–31 January 2025" for [start, end): the last day shown is the one before `end`. */
export function periodRange(start: string, end: string, timeZone = 'UTC'): string {
  const key = `${start}|${end}|${timeZone}`;
  let range = ranges.get(key);
  if (range === undefined) {
    const from = new Date(start);
    const to = new Date(new Date(end).getTime() - 1);
    const valid = !Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime()) && to >= from;
    range = valid ? dateFormat(timeZone).formatRange(from, to) : '';
    if (ranges.size >= 1_000) ranges.clear(); // a digest run has a handful of periods
    ranges.set(key, range);
  }
  return range;
}
