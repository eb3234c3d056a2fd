import type { PageLine } from './page-lines';

/**
 * What a country page says about the country beyond its event reports: the global ranking per
 * category, Basic Information, the status of each human-rights and ILO treaty, and (where the
 * page states it) the 6-month performance trend per category. Values are kept as the page
 * writes them ("128/173", "19 002 590", "State Party"), so a change is exactly what a reader sees.
 */
export interface CountryContext {
  /** Category -> "rank/out of" ("Representation" -> "128/173"). */
  rankings: Record<string, string>;
  /** Basic Information label -> value ("Head of government" -> "Prime Minister Oljas Bektenov (since 2024)"). */
  facts: Record<string, string>;
  /** Treaty -> "State Party", "Signatory" or "No Action". */
  treaties: Record<string, string>;
  /** Category -> the 6-month trend word the page gives ("neutral"). */
  performance: Record<string, string>;
}

export type ContextSection = keyof CountryContext;

const sectionStarts: [RegExp, ContextSection | undefined][] = [
  [/^Global ranking per category/i, 'rankings'],
  [/^Basic Information$/i, 'facts'],
  [/^Human Rights Treaties$/i, 'treaties'],
  [/^Performance by category over the last 6 months$/i, 'performance'],
  // Sections after which nothing is context: the sign-up box, the indices charts.
  [/^Create your monthly alerts/i, undefined],
  [/^Global State of Democracy Indices$/i, undefined],
  [/^Factors of Democratic Performance/i, undefined],
];

const categories = ['Representation', 'Rights', 'Rule of Law', 'Participation'];
const categoryOf = (text: string) => categories.find((c) => c.toLowerCase() === text.toLowerCase());
const rankValue = /^\d+\s*\/\s*\d+$/;
const statuses = ['State Party', 'Signatory', 'No Action'];
const statusOf = (text: string) => statuses.find((s) => s.toLowerCase() === text.toLowerCase());
const statusSuffix = new RegExp(`^(.+?)\\s+(${statuses.join('|')})$`, 'i');
const trendLine = /^.*?\b(neutral|positive|negative|improving|declining|stable)\s+(Representation|Rights|Rule of Law|Participation)$/i;
/** Icon and widget labels that leak into the text. */
const noise = new Set(['chevron', 'tooltip', 'tooltip text', 'in', 'flag']);
const factLabels = [
  'Population',
  'System of government',
  'Head of government',
  'Head of government party',
  'Electoral system for lower or single chamber',
  'Women in lower or single chamber',
  'Women in upper chamber',
  'Last legislative election',
  'Head of state',
  'Head of state party',
  'Selection process for head of state',
  'Latest Universal Periodic Review (UPR) date',
  'Latest Universal Periodic Review (UPR) percentage of recommendations supported',
];
const factLabelOf = (text: string) => {
  const label = text.replace(/\s+Tooltip$/i, '');
  return factLabels.find((l) => l.toLowerCase() === label.toLowerCase());
};

/** The context sections of a country page's lines; undefined when the page has none of them. */
export function parseCountryContext(lines: PageLine[]): CountryContext | undefined {
  const context: CountryContext = { rankings: {}, facts: {}, treaties: {}, performance: {} };
  let section: ContextSection | undefined;
  let seen = false;
  const texts = lines.map((l) => l.text).filter((t) => !noise.has(t.toLowerCase()));
  for (let i = 0; i < texts.length; i += 1) {
    const text = texts[i]!;
    const start = sectionStarts.find(([marker]) => marker.test(text));
    if (start) {
      section = start[1];
      seen ||= section !== undefined;
      continue;
    }
    const next = texts[i + 1];
    if (section === 'rankings') {
      const category = categoryOf(text);
      if (category && next && rankValue.test(next)) {
        context.rankings[category] = next.replace(/\s+/g, '');
        i += 1;
      }
    } else if (section === 'facts') {
      const label = factLabelOf(text);
      if (label && next !== undefined && !factLabelOf(next)) {
        context.facts[label] = next;
        i += 1;
      }
    } else if (section === 'treaties') {
      const inLine = statusSuffix.exec(text);
      if (next && statusOf(next) && !statusOf(text) && !inLine) {
        context.treaties[text] = statusOf(next)!;
        i += 1;
      } else if (inLine && !statusOf(inLine[1]!)) {
        context.treaties[inLine[1]!] = statusOf(inLine[2]!)!;
      }
    } else if (section === 'performance') {
      const trend = trendLine.exec(text);
      if (trend) context.performance[categoryOf(trend[2]!)!] = trend[1]!.toLowerCase();
    }
  }
  return seen ? context : undefined;
}
