import { createHash } from 'node:crypto';
import { findCountryByName } from '../../taxonomy/countries';
import { findTrackerCountry, findTrackerCountryByName, findTrackerCountryBySlug } from '../../taxonomy/tracker-countries';
import { eventInputSchema, type ParsedEvent, primaryLanguage } from '../event';
import { type CountryContext, parseCountryContext } from './country-context';
import { describeIssues, SourceFormatError } from './errors';
import { linesFromText, type PageLine, readHtmlPage } from './page-lines';

/**
 * A Democracy Tracker page (HTML or its plain text) -> the event reports it lists. Two kinds:
 *
 * - the country page: region, sub-region, the country's name, then month headings ("January
 *   2025"), each followed by reports; after the reports come rankings, basic information,
 *   treaties, a sign-up box and charts (the country context, read by `country-context.ts`);
 * - the per-month report page (`/democracytracker/report/<slug>/<month>-<year>`): its heading
 *   joins country and month ("Kazakhstan - January 2025") and that month's reports follow.
 *
 * A report is a title, an optional "Watch flag" line, body paragraphs, optional "Update: ..."
 * paragraphs and a closing "Sources: a, b, c" line. Both kinds give a report the same id and url.
 */
export interface TrackerPageResult {
  country: string;
  kind: TrackerPageKind;
  /** A country page's context sections (rankings, Basic Information, treaties, trends), when it has them. */
  context?: CountryContext;
  events: ParsedEvent[];
  skipped: { reason: string }[];
}

export type TrackerPageKind = 'country' | 'report';

interface ReportDraft {
  month: string;
  lines: PageLine[];
}

/** The month names of the tracker's report-page headings and URLs, January first. */
export const trackerMonthNames = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const monthHeading = /^([A-Za-z]+) (\d{4})$/;
const reportPageHeading = /^(.+?)\s+[-–—]\s+([A-Za-z]+ \d{4})$/;
const trackerPath = /^\/democracytracker\/(?:country|report)\/([a-z0-9-]+)(?:\/|$)/;
const sourcesLine = /^Sources?\s*:\s*/i;
const sourcesLabelAlone = /^Sources?\s*:?$/i;
const updateLine = /^Update\b[^:]{0,40}:\s*/i;
const watchFlagLine = /^watch ?flag$/i;
const watchFlagAfterTitle = /\s+watch ?flag$/i;
/** The first section after the reports; nothing from here on is a report. */
const endOfReports = [
  /^See all event reports/i,
  /^Global ranking per category/i,
  /^Basic Information$/i,
  /^Human Rights Treaties$/i,
  /^Create your monthly alerts/i,
];
/** Icon and widget labels that leak into a page's text. */
const interfaceLabels = new Set(['chevron', 'flag', 'tooltip', 'tooltip text']);
const MAX_ID_LENGTH = 200;

export function parseTrackerPage(document: string, options: { url?: string } = {}): TrackerPageResult {
  const refused = unreadableReason(document);
  if (refused) throw new SourceFormatError(`page refused${options.url ? ` (${options.url})` : ''}: ${refused}`);
  const html = looksLikeHtml(document) ? readHtmlPage(document) : undefined;
  const { lines, cutOff } = html ?? { lines: linesFromText(document), cutOff: false };
  const heading = findPageHeading(lines);
  const where = options.url ? ` (${options.url})` : '';
  if (!heading) throw new SourceFormatError(`layout not recognised${where}: ${whereItStopped(lines)}`);
  const pageUrl = eventUrl(options.url, heading.country);
  // The reports are in the language the page declares (<html lang>); a tag naming no known language is left out.
  const language = html?.lang ? primaryLanguage(html.lang) : undefined;
  const events: ParsedEvent[] = [];
  const skipped: { reason: string }[] = [];
  const idsSeen = new Map<string, number>();

  const after = joinSourcesLabels(lines.slice(heading.index + 1));
  const { drafts, recognised } = readReportDrafts(after, heading.month, cutOff);
  if (!recognised) {
    const next = after[0];
    const stopped = next ? `stopped at line ${heading.index + 2}: "${clip(next.text)}"` : 'the page ends there';
    throw new SourceFormatError(
      `layout not recognised${where}: after the heading "${clip(lines[heading.index]!.text)}" (line ${heading.index + 1}) no month, report or known section follows; ${stopped}`,
    );
  }
  for (const draft of drafts) {
    const fields = reportFields(draft, heading.country, options.url);
    const baseId = trackerEventId(heading.country, draft.month, fields.title);
    // Two reports with one title in one month: number the later ones, in page order.
    const seen = (idsSeen.get(baseId) ?? 0) + 1;
    idsSeen.set(baseId, seen);
    const candidate = {
      id: seen === 1 ? baseId : `${baseId}-${seen}`,
      ...fields,
      ...(pageUrl ? { url: pageUrl } : {}),
      ...(language ? { language } : {}),
    };
    const result = eventInputSchema.safeParse(candidate);
    if (result.success) events.push(result.data);
    else skipped.push({ reason: `"${fields.title}" (${draft.month}): ${describeIssues(result.error)}` });
  }
  // An HTML page's context comes from its context lines (sidebars and alt text too), read whole:
  // its sections are found by their headings.
  const context = heading.month ? undefined : parseCountryContext(html ? html.contextLines : after);
  return { country: heading.country, kind: heading.month ? 'report' : 'country', events, skipped, ...(context ? { context } : {}) };
}

/** NUL and lone surrogates mean a broken or hostile document: no text of it can be stored. */
function unreadableReason(document: string): string | undefined {
  if (document.includes('\u0000')) return 'it contains the NUL character (U+0000)';
  if (!document.isWellFormed()) return 'it holds a lone UTF-16 surrogate';
  return undefined;
}

/**
 * The country a tracker page's name line names: the tracker's own names first (so "UK" and
 * "Türkiye" are known), then any ISO name or alternative spelling of 4 characters or more
 * (shorter ones would match ISO codes among alternative spellings: "in" -> India).
 */
export function countryOfName(text: string): string | undefined {
  const tracker = findTrackerCountryByName(text);
  if (tracker) return tracker.id;
  return text.length >= 4 ? findCountryByName(text)?.id : undefined;
}

/**
 * Every event's url is the country page, whichever page it was read from, so the country page
 * and a report page give one report the same content hash: reading both never updates it.
 * A tracker url (`.../democracytracker/country|report/<slug>...`) gives its country page; any
 * other http(s) page url is kept as it is.
 */
function eventUrl(pageUrl: string | undefined, country: string): string | undefined {
  const url = httpUrl(pageUrl);
  if (!url) return undefined;
  const parsed = new URL(url);
  const slug = trackerPath.exec(parsed.pathname)?.[1];
  const tracker = slug ? (findTrackerCountryBySlug(slug) ?? findTrackerCountry(country)) : undefined;
  return tracker ? `${parsed.origin}/democracytracker/country/${tracker.slug}` : url;
}

/**
 * The stable id of a report: country, month and title slugified, so an edited body or a new
 * update keeps it. Long titles are cut and given a hash of the whole slug to stay unique.
 */
export function trackerEventId(country: string, month: string, title: string): string {
  const titleSlug = slugify(title) || shortHash(title);
  const slug = `${slugify(country)}-${month}-${titleSlug}`;
  if (slug.length <= MAX_ID_LENGTH) return slug;
  const hash = shortHash(slug);
  return `${slug.slice(0, MAX_ID_LENGTH - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

function looksLikeHtml(document: string): boolean {
  return document
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith('<');
}

/**
 * The page's heading: a report page's "Country - Month YYYY", or a country page's name; an h1
 * when the page has one, else the first such line before the reports.
 */
function findPageHeading(lines: PageLine[]): { index: number; country: string; month?: string } | undefined {
  const firstMonth = lines.findIndex((line) => monthOf(line.text) !== undefined);
  const beforeReports = lines.slice(0, firstMonth === -1 ? lines.length : firstMonth).map((line, index) => ({ line, index }));
  const candidates = [...beforeReports.filter(({ line }) => line.heading === 1), ...beforeReports];
  for (const { line, index } of candidates) {
    const report = reportPageHeading.exec(line.text);
    const month = report ? monthOf(report[2]!) : undefined;
    const reportCountry = month ? countryOfName(report![1]!) : undefined;
    if (reportCountry && month) return { index, country: reportCountry, month };
    const country = countryOfName(line.text);
    if (country) return { index, country };
  }
  return undefined;
}

function whereItStopped(lines: PageLine[]): string {
  if (lines.length === 0) return 'the page has no text';
  const firstMonth = lines.findIndex((line) => monthOf(line.text) !== undefined);
  const stop = firstMonth === -1 ? lines.length - 1 : firstMonth;
  return `no country name or "Country - Month YYYY" heading found; stopped at line ${stop + 1}: "${clip(lines[stop]!.text)}"`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function monthOf(text: string): string | undefined {
  const match = monthHeading.exec(text);
  if (!match) return undefined;
  const month = trackerMonthNames.indexOf(match[1]!.toLowerCase()) + 1;
  return month > 0 ? `${match[2]}-${String(month).padStart(2, '0')}` : undefined;
}

/** A "Sources" label on its own line (a field label in some markup) belongs to the line after it. */
function joinSourcesLabels(lines: PageLine[]): PageLine[] {
  const joined: PageLine[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const next = lines[i + 1];
    if (sourcesLabelAlone.test(line.text) && next && !monthOf(next.text)) {
      joined.push({ text: `Sources: ${next.text}`, links: next.links });
      i += 1;
    } else {
      joined.push(line);
    }
  }
  return joined;
}

/**
 * Splits the lines after the heading into reports. A report starts at the first line after a
 * month heading (or the report page's heading), after a "Sources:" line, or at any other HTML
 * heading, and ends at its "Sources:" line. A last report without sources is kept only when an
 * end-of-reports section follows it; otherwise it is the page's trailing furniture, or a report
 * cut off. On a page cut off in transit, a report whose sources line is the page's last line is
 * dropped too: its list of sources may be cut short. `recognised` is false when nothing after
 * the heading is a month, a report or a known section.
 */
function readReportDrafts(
  lines: PageLine[],
  pageMonth: string | undefined,
  cutOff: boolean,
): { drafts: ReportDraft[]; recognised: boolean } {
  const drafts: ReportDraft[] = [];
  let month = pageMonth;
  let current: ReportDraft | undefined;
  let sawMonth = pageMonth !== undefined;
  const close = () => {
    if (current) drafts.push(current);
    current = undefined;
  };

  for (const [index, line] of lines.entries()) {
    if (endOfReports.some((marker) => marker.test(line.text))) {
      close();
      return { drafts, recognised: true };
    }
    const lineMonth = monthOf(line.text);
    if (lineMonth) {
      close();
      month = lineMonth;
      sawMonth = true;
      continue;
    }
    if (!month) continue;
    if (!current || line.heading) {
      close();
      current = { month, lines: [line] };
      continue;
    }
    current.lines.push(line);
    if (sourcesLine.test(line.text) && !(cutOff && index === lines.length - 1)) close();
  }
  return { drafts, recognised: sawMonth };
}

function reportFields(draft: ReportDraft, country: string, pageUrl: string | undefined) {
  const [titleLine, ...rest] = draft.lines;
  let title = titleLine?.text ?? '';
  let watchFlag = false;
  if (watchFlagAfterTitle.test(title) && !watchFlagLine.test(title)) {
    title = title.replace(watchFlagAfterTitle, '');
    watchFlag = true;
  }
  const body: string[] = [];
  const updates: string[][] = [];
  let sources: { name: string; url?: string }[] = [];

  for (const line of rest) {
    const update = updateLine.exec(line.text);
    if (watchFlagLine.test(line.text)) watchFlag = true;
    else if (sourcesLine.test(line.text)) sources = sourcesOf(line, pageUrl);
    else if (interfaceLabels.has(line.text.toLowerCase())) continue;
    else if (update) updates.push([line.text.slice(update[0].length)]);
    // Paragraphs after an update continue it: updates close a report's text.
    else if (updates.length > 0) updates.at(-1)!.push(line.text);
    else body.push(line.text);
  }

  return {
    country,
    month: draft.month,
    title,
    body: body.join('\n\n'),
    // The page gives no categories; matching treats an event without categories as matching
    // every category, so it reaches everyone who chose its country.
    categories: [],
    factors: [],
    watchFlag,
    updates: updates.map((paragraphs) => ({ text: paragraphs.join('\n\n') })),
    sources,
  };
}

/** "Sources: a, b, c": names split on commas, each linked name taking its link as url. */
function sourcesOf(line: PageLine, pageUrl: string | undefined): { name: string; url?: string }[] {
  const text = line.text.replace(sourcesLine, '');
  const sources: { name: string; url?: string }[] = [];
  const addNames = (segment: string) => {
    for (const name of segment.split(/[,;]/)) {
      const trimmed = name.trim().replace(/^and\s+/i, '');
      if (trimmed) sources.push({ name: trimmed });
    }
  };
  let cursor = 0;
  for (const link of line.links) {
    const at = text.indexOf(link.text, cursor);
    if (at === -1) continue;
    addNames(text.slice(cursor, at));
    const url = httpUrl(link.href, pageUrl);
    sources.push(url ? { name: link.text, url } : { name: link.text });
    cursor = at + link.text.length;
  }
  addNames(text.slice(cursor));
  return sources;
}

function httpUrl(href: string | undefined, base?: string): string | undefined {
  if (!href || !URL.canParse(href, base)) return undefined;
  const url = new URL(href, base);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
}

function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’‘ʼ`]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}
