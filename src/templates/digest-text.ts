/** The plain-text alternative of the digest, from the same (already cut) data as the HTML. */
import { messagesFor } from '../i18n';
import { itemCount, type PreparedDigest, type PreparedItem } from './digest-prepare';
import {
  countryContextView,
  type DigestTotals,
  digestSummary,
  digestWhy,
  itemView,
  moreLabel,
  moreNote,
  showsWatchFlag,
} from './digest-view';

/**
 * Plain punctuation for the dash, ellipsis and thin spaces the shared formatting adds; and no
 * bidi embedding, override or isolate controls, with which a source could make a line read
 * otherwise than it is written (the HTML part isolates each field in <bdi> instead).
 */
function plainText(text: string): string {
  return text
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\u2026/g, '...')
    .replace(/\u2013/g, '-')
    .replace(/[\u2009\u202f]/g, ' ');
}

function underline(text: string, char: string): string {
  return `${text}\n${char.repeat(Math.min(72, [...text].length))}`;
}

// A report's lines depend on the report alone: built once per prepared item (see digest-html.ts).
const itemTexts = new WeakMap<PreparedItem, string>();

function itemText(item: PreparedItem): string {
  let text = itemTexts.get(item);
  if (text === undefined) {
    const { w } = itemView(item, true);
    const lines = [
      `[${w.badge.toUpperCase()}] ${item.title}`,
      ...(item.watchFlag ? [w.watchFlag] : []),
      ...(w.alertedOn ? [w.alertedOn] : []),
      [item.month, item.categories, item.reportLanguage?.note ?? ''].filter((s) => s !== '').join(' · '),
    ];
    if (item.excerpt) lines.push(item.excerpt);
    if (item.update?.text) lines.push(`${w.update} ${item.update.text}`);
    if (item.update?.changed) lines.push(`${w.changed} ${item.update.changed}`);
    if (item.sources.length > 0) {
      lines.push(`${w.sources} ${item.sources.map((s) => (s.url ? `${s.name} <${s.url}>` : s.name)).join(', ')}`);
    }
    if (item.url) lines.push(`${w.readReport}${item.language === 'fr' ? '\u00a0:' : ':'} ${item.url}`);
    text = plainText(lines.join('\n'));
    itemTexts.set(item, text);
  }
  return text;
}

export function digestText(d: PreparedDigest, totals: DigestTotals): string {
  const common = messagesFor(d.language).email;
  const t = common.digest;
  const colon = (label: string) => (d.language === 'fr' ? `${label}\u00a0:` : `${label}:`);
  const kicker = d.frequency === 'weekly' ? t.kickerWeekly : t.kickerMonthly;
  const lines: string[] = [
    `${d.siteName} · ${kicker}`,
    underline(d.periodLabel, '='),
    [d.periodRange, digestSummary(totals, d.language)].filter((s) => s !== '').join(' · '),
    '',
    `${colon(t.viewInYourBrowser)} ${d.links.viewInBrowser}`,
    '',
  ];
  if (totals.reports === 0 && d.countryContext.length === 0) lines.push(t.empty(d.noun), '');
  if (showsWatchFlag(d)) lines.push(t.watchFlagNote, '');
  const body: string[] = [];
  for (const country of d.countries) {
    body.push(plainText(underline(country.name.toUpperCase(), '-')), '');
    for (const item of country.items) body.push(itemText(item), '');
  }
  const end: string[] = [];
  if (d.moreCount > 0) {
    end.push(moreNote(itemCount(d), totals.reports, d.language), `${colon(moreLabel(d.moreCount, d.language))} ${d.links.moreReports}`, '');
  }
  const context = countryContextView(d);
  if (context) {
    end.push(underline(context.heading.toUpperCase(), '-'), '', context.intro, '');
    for (const line of context.lines) {
      end.push(`${line.country} · ${line.meta}`, ...line.changes.map((c) => `  ${c.text}`));
      if (line.url) end.push(`  ${line.pageLabel}: ${line.url}`);
      end.push('');
    }
    if (context.more) end.push(context.more, '');
  }
  end.push(
    '-- ',
    digestWhy(d),
    `${colon(common.managePreferences)} ${d.links.manage}`,
    `${colon(common.unsubscribe)} ${d.links.unsubscribe}`,
    ...(d.links.feed ? [`${colon(t.feed)} ${d.links.feed}`] : []),
    `${d.siteName}: ${d.links.site}`,
    common.noTracking,
    '',
  );
  return [plainText(lines.join('\n')), ...body, plainText(end.join('\n'))].join('\n');
}
