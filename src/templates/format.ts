/** Small, pure text helpers shared by the HTML views and the plain-text versions. */
import { formatList, formatNumber, type Language, messagesFor, perLanguage } from '../i18n';
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

const monthFormats = perLanguage((language) => new Intl.DateTimeFormat(language, { month: 'long', year: 'numeric', timeZone: 'UTC' }));

/** "2025-01" -> "January 2025" ("enero de 2025", "janvier 2025"); anything else is shown as given. */
export function monthLabel(month: string, language: Language = 'en'): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month.trim());
  const name = match ? monthNames[Number(match[2]) - 1] : undefined;
  if (match && name && language !== 'en')
    return monthFormats[language].format(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)));
  return match && name ? `${name} ${match[1]}` : oneLine(month);
}

/** "a", "a and b", "a, b and c"; after `max` names, "and N more". Other languages list with Intl ("a, b y c"). */
export function listNames(names: readonly string[], max = 12, language: Language = 'en'): string {
  const clean = names.map(oneLine).filter((n) => n !== '');
  const more = (count: number) => (language === 'en' ? `${count} more` : messagesFor(language).email.more(formatNumber(count, language)));
  const shown = clean.length > max ? [...clean.slice(0, max), more(clean.length - max)] : clean;
  if (shown.length <= 1) return shown[0] ?? '';
  if (language !== 'en') return formatList(shown, language);
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

/** The choices in words of `language` (the names in `choices` are already the language's). */
export function summariseChoices(choices: AlertChoices, language: Language = 'en'): ChoicesSummary {
  const t = messagesFor(language).email;
  const regions = choices.regions.map((r) => t.wholeRegion(oneLine(r)));
  const places = [...regions, ...choices.countries];
  return {
    places: places.length ? listNames(places, 12, language) : t.allCountries,
    categories: choices.categories.length ? listNames(choices.categories, 12, language) : t.allCategories,
    frequency: frequencyLabel(choices.frequency, language),
  };
}

export function frequencyLabel(frequency: Frequency, language: Language = 'en'): string {
  const t = messagesFor(language).fields;
  return frequency === 'weekly' ? t.weekly : t.monthly;
}

export function digestNoun(frequency: Frequency): string {
  return frequency === 'weekly' ? 'weekly digest' : 'monthly digest';
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of an instant in a zone, as a UTC midnight (an unknown zone counts as UTC). */
function localDay(instant: Date, timeZone: string): Date {
  let format = dayFormats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'numeric', day: 'numeric', timeZone });
    } catch {
      return localDay(instant, 'UTC');
    }
    if (dayFormats.size < 1_000) dayFormats.set(timeZone, format);
  }
  const part = (type: string) => Number(format.formatToParts(instant).find((p) => p.type === type)?.value);
  return new Date(Date.UTC(part('year'), part('month') - 1, part('day')));
}

const DAY_MS = 24 * 60 * 60 * 1000;

const dateFormats = perLanguage(
  (language) => new Intl.DateTimeFormat(language, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
);

/** "1 January 2027" ("1 de enero de 2027", "1 janvier 2027"): the day an instant falls on in `timeZone`. */
export function dayLabel(instant: Date, timeZone = 'UTC', language: Language = 'en'): string {
  const day = localDay(instant, timeZone);
  if (language !== 'en') return dateFormats[language].format(day);
  return `${day.getUTCDate()} ${monthNames[day.getUTCMonth()]} ${day.getUTCFullYear()}`;
}

/**
 * The days a period covers, for people: "1–31 December 2026", "21–27 December 2026",
 * "30 November – 6 December 2026", "28 December 2026 – 3 January 2027". `start` and `end`
 * are the period's instants (send times, end exclusive); the days are those of `timeZone`,
 * and the last day shown is the one before the day `end` falls on. The plain-text digest
 * writes the dash as "-". Written out rather than Intl's formatRange, whose spacing differs
 * between ICU versions; other languages take Intl's formatRange ("1–31 de diciembre de 2026").
 * Empty for a range that is not one.
 */
export function periodRange(start: string, end: string, timeZone = 'UTC', language: Language = 'en'): string {
  const from = new Date(start);
  const until = new Date(end);
  if (Number.isNaN(from.getTime()) || Number.isNaN(until.getTime()) || until <= from) return '';
  const first = localDay(from, timeZone);
  const last = new Date(Math.max(first.getTime(), localDay(until, timeZone).getTime() - DAY_MS));
  if (language !== 'en') return dateFormats[language].formatRange(first, last);
  const day = (d: Date) => String(d.getUTCDate());
  const month = (d: Date) => monthNames[d.getUTCMonth()]!;
  const year = (d: Date) => String(d.getUTCFullYear());
  if (first.getTime() === last.getTime()) return `${day(first)} ${month(first)} ${year(first)}`;
  if (year(first) !== year(last)) return `${day(first)} ${month(first)} ${year(first)} – ${day(last)} ${month(last)} ${year(last)}`;
  if (month(first) !== month(last)) return `${day(first)} ${month(first)} – ${day(last)} ${month(last)} ${year(last)}`;
  return `${day(first)}–${day(last)} ${month(last)} ${year(last)}`;
}
