/**
 * The digest: precompiled digest.mjml filled per recipient, cut to a byte budget so Gmail
 * (which clips at ~102 KB) never hides the footer; what is cut becomes "N more reports on
 * the site". No mjml here: this runs per recipient, in Node and in Workers.
 */
import { compiledTemplates } from './compiled';
import { prepareDigest, itemCount, keepItems, type PreparedDigest, type PreparedItem } from './digest-prepare';
import { digestText } from './digest-text';
import { digestSubject, digestView, type DigestTotals, type DigestView } from './digest-view';
import { prepareTemplate } from './fill';
import type { DigestModel, DigestRenderOptions, RenderedDigest } from './models';
import { fitsUtf8Bytes, utf8Length } from './shared-view';

export const DEFAULT_DIGEST_HTML_BUDGET = 90_000;

const fillDigest = prepareTemplate<DigestView>(compiledTemplates.digest);

function renderHtml(d: PreparedDigest, totals: DigestTotals): string {
  return fillDigest(digestView(d, totals));
}

let lowerBounds: { oneItem: number; perItem: number } | undefined;

/**
 * Byte counts no real digest goes under: the HTML with one item and every text empty,
 * and what each further item adds at least (no link, categories, excerpt, update or
 * sources). They bound how many items can fit before anything large is rendered.
 */
function sizeLowerBounds(): { oneItem: number; perItem: number } {
  if (lowerBounds) return lowerBounds;
  const item: PreparedItem = {
    badge: 'new',
    title: '',
    url: undefined,
    month: '',
    categories: '',
    excerpt: '',
    update: undefined,
    sources: [],
  };
  const withItems = (n: number): PreparedDigest => ({
    siteName: '',
    frequency: 'weekly',
    noun: '',
    periodLabel: '',
    periodRange: '',
    email: '',
    choices: { places: '', categories: '', frequency: '' },
    countries: [{ id: '', name: '', items: Array.from({ length: n }, () => item) }],
    moreCount: 0,
    links: { manage: '', unsubscribe: '', viewInBrowser: '', site: '', moreReports: '' },
  });
  const totals = { reports: 1, countries: 1 };
  const one = utf8Length(renderHtml(withItems(1), totals));
  const two = utf8Length(renderHtml(withItems(2), totals));
  lowerBounds = { oneItem: one, perItem: Math.max(1, two - one) };
  return lowerBounds;
}

/** The most items (in keeping order) whose HTML fits `budget` bytes, and that HTML. */
function fitToBudget(d: PreparedDigest, totals: DigestTotals, budget: number): { kept: PreparedDigest; html: string } {
  const total = itemCount(d);
  const { oneItem, perItem } = sizeLowerBounds();
  const ceiling = budget < oneItem ? 0 : Math.floor((budget - oneItem) / perItem) + 1;
  if (total <= ceiling) {
    const html = renderHtml(d, totals);
    if (fitsUtf8Bytes(html, budget)) return { kept: d, html };
  }
  // Binary search for the largest k in [0, hi] that fits; k = 0 is the floor even if over budget.
  let lo = 0;
  let hi = Math.min(total - 1, ceiling);
  let best: { kept: PreparedDigest; html: string } | undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const kept = keepItems(d, mid);
    const html = renderHtml(kept, totals);
    if (fitsUtf8Bytes(html, budget)) {
      lo = mid;
      best = { kept, html };
    } else hi = mid - 1;
  }
  if (best) return best;
  const kept = keepItems(d, 0);
  return { kept, html: renderHtml(kept, totals) };
}

export function renderDigestEmail(model: DigestModel, options: DigestRenderOptions = {}): RenderedDigest {
  const prepared = prepareDigest(model);
  const totals: DigestTotals = {
    reports: itemCount(prepared) + prepared.moreCount,
    countries: prepared.countries.length,
  };
  const { kept, html } = fitToBudget(prepared, totals, options.maxHtmlBytes ?? DEFAULT_DIGEST_HTML_BUDGET);
  return {
    subject: digestSubject(prepared, totals.reports),
    html,
    text: digestText(kept, totals),
    shownCount: itemCount(kept),
    moreCount: kept.moreCount,
  };
}
