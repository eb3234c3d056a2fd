/**
 * The digest's HTML: the precompiled digest.mjml filled with the view of a prepared digest.
 * The template is filled in parts: the page around the reports, each country's heading, and
 * each report. A report's HTML depends on the report alone, so it is filled once per
 * prepared item and reused for every reader who gets it (a digest run prepares each event's
 * line once); all of it still goes through the escaping fill.
 */
import { compiledTemplates } from './compiled';
import type { PreparedDigest, PreparedItem } from './digest-prepare';
import { type DigestTotals, type DigestView, digestPageView, itemView } from './digest-view';
import { prepareTemplate } from './fill';

/** `template` cut at each marker, in order; each must occur exactly once. */
function splitAt(template: string, markers: readonly string[]): string[] {
  const parts: string[] = [];
  let rest = template;
  for (const marker of markers) {
    const at = rest.indexOf(marker);
    if (at < 0 || rest.indexOf(marker, at + 1) >= 0) throw new Error(`digest template: ${marker} must occur exactly once`);
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + marker.length);
  }
  return [...parts, rest];
}

const [pageStart, heading, item, afterItems, pageEnd] = splitAt(compiledTemplates.digest, [
  '{{#countries}}',
  '{{#items}}',
  '{{/items}}',
  '{{/countries}}',
]);
type PageView = Omit<DigestView, 'countries'>;
const fillPageStart = prepareTemplate<PageView>(pageStart!);
const fillHeading = prepareTemplate<{ name: string }>(heading!);
const fillAfterItems = prepareTemplate<{ name: string }>(afterItems!);
const fillItem = prepareTemplate<ReturnType<typeof itemView>>(item!);
const fillPageEnd = prepareTemplate<PageView>(pageEnd!);

const itemHtml = new WeakMap<PreparedItem, [first?: string, further?: string]>();
const nonAscii = /[^\x00-\x7f]/;

function renderItem(prepared: PreparedItem, first: boolean): string {
  let cached = itemHtml.get(prepared);
  if (!cached) {
    cached = [];
    itemHtml.set(prepared, cached);
  }
  const slot = first ? 0 : 1;
  let html = cached[slot];
  if (html === undefined) {
    html = fillItem(itemView(prepared, first));
    // The size budget counts characters as bytes. Scanning the report once here also leaves
    // V8's string flat, so every email that reuses it copies one piece instead of walking
    // the tree of small strings the fill concatenated (3x faster to serialise a batch).
    if (nonAscii.test(html)) throw new Error('digest report HTML must be ASCII');
    cached[slot] = html;
  }
  return html;
}

export function renderDigestHtml(d: PreparedDigest, totals: DigestTotals): string {
  const view = digestPageView(d, totals);
  const parts = [fillPageStart(view)];
  for (const country of d.countries) {
    parts.push(fillHeading(country));
    for (const [index, prepared] of country.items.entries()) parts.push(renderItem(prepared, index === 0));
    parts.push(fillAfterItems(country));
  }
  parts.push(fillPageEnd(view));
  return parts.join('');
}
