/** The plain-text alternative of the digest, from the same (already cut) data as the HTML. */
import { badgeLabels, itemCount, type PreparedDigest, type PreparedItem } from './digest-prepare';
import {
  countryContextView,
  type DigestTotals,
  digestSummary,
  digestWhy,
  FEED_LABEL,
  moreLabel,
  moreNote,
  showsWatchFlag,
  WATCH_FLAG_NOTE,
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
    const lines = [
      `[${badgeLabels[item.badge].toUpperCase()}] ${item.title}`,
      ...(item.watchFlag ? ['Watch flag'] : []),
      ...(item.alertedOn ? [`Alerted on ${item.alertedOn}`] : []),
      [item.month, item.categories].filter((s) => s !== '').join(' · '),
    ];
    if (item.excerpt) lines.push(item.excerpt);
    if (item.update?.text) lines.push(`Update: ${item.update.text}`);
    if (item.update?.changed) lines.push(`Changed: ${item.update.changed}`);
    if (item.sources.length > 0) {
      lines.push(`Sources: ${item.sources.map((s) => (s.url ? `${s.name} <${s.url}>` : s.name)).join(', ')}`);
    }
    if (item.url) lines.push(`Read the report: ${item.url}`);
    text = plainText(lines.join('\n'));
    itemTexts.set(item, text);
  }
  return text;
}

export function digestText(d: PreparedDigest, totals: DigestTotals): string {
  const kicker = d.frequency === 'weekly' ? 'Weekly digest' : 'Monthly digest';
  const lines: string[] = [
    `${d.siteName} · ${kicker}`,
    underline(d.periodLabel, '='),
    [d.periodRange, digestSummary(totals)].filter((s) => s !== '').join(' · '),
    '',
    `View in your browser: ${d.links.viewInBrowser}`,
    '',
  ];
  if (totals.reports === 0 && d.countryContext.length === 0) {
    lines.push(
      `No new or updated reports matched your alerts in this period. You chose to receive a ${d.noun} even when it is empty; you can change that in your preferences.`,
      '',
    );
  }
  if (showsWatchFlag(d)) lines.push(WATCH_FLAG_NOTE, '');
  const body: string[] = [];
  for (const country of d.countries) {
    body.push(plainText(underline(country.name.toUpperCase(), '-')), '');
    for (const item of country.items) body.push(itemText(item), '');
  }
  const end: string[] = [];
  if (d.moreCount > 0) {
    end.push(moreNote(itemCount(d), totals.reports), `${moreLabel(d.moreCount)}: ${d.links.moreReports}`, '');
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
    `Manage preferences: ${d.links.manage}`,
    `Unsubscribe: ${d.links.unsubscribe}`,
    ...(d.links.feed ? [`${FEED_LABEL}: ${d.links.feed}`] : []),
    `${d.siteName}: ${d.links.site}`,
    'This email loads no images and its links are not tracked.',
    '',
  );
  return [plainText(lines.join('\n')), ...body, plainText(end.join('\n'))].join('\n');
}
