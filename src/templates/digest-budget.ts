/**
 * The size budget of the digest HTML: Gmail clips messages over ~102 KB, hiding the footer
 * (unsubscribe included), so items are kept, in keeping order, only while the HTML fits.
 */

import { renderDigestHtml as renderHtml } from './digest-html';
import { itemCount, keepItems, type PreparedDigest, prepareDigest } from './digest-prepare';
import { firstItemLowerBound, itemLowerBound } from './digest-size';
import type { DigestTotals } from './digest-view';
import type { DigestModel } from './models';

// HTML bytes per byte of lower bound seen in real digests (escaping, multi-byte characters,
// the headings of further countries); only steers which item count is tried first.
const TYPICAL_SIZE_RATIO = 1.03;

/**
 * As many items (in keeping order) as fit `budget` bytes, and that HTML. Lower bounds of
 * each item's size (digest-size.ts) rule out most counts without rendering; the rest is a
 * search steered by the measured size/lower-bound ratio, usually 1-2 renders. It stops
 * when the measured ratio says one more item would not fit, so the result always fits and
 * is within about one item of the most that could.
 */
export function fitToBudget(model: DigestModel, totals: DigestTotals, budget: number): { kept: PreparedDigest; html: string } {
  // lower[k]: no HTML with k >= 1 items is smaller (the first item brings the page's own markup).
  // Preparing stops at the first item that cannot fit even by its lower bound.
  const lower = [0];
  let cutByBound = false;
  const d = prepareDigest(model, (item, newCountry) => {
    const next = lower.length === 1 ? firstItemLowerBound(item, newCountry ?? '') : lower.at(-1)! + itemLowerBound(item, newCountry);
    if (next > budget) {
      cutByBound = true;
      return false;
    }
    lower.push(next);
    return true;
  });
  const total = itemCount(d);
  const render = (k: number) => {
    const kept = keepItems(d, k);
    return { kept, html: renderHtml(kept, totals) };
  };
  const mostWithin = (ratio: number) => {
    let k = 0;
    while (k < total && lower[k + 1]! * ratio <= budget) k++;
    return k;
  };
  let hi = total + 1; // the smallest count known not to fit
  if (!cutByBound) {
    const all = render(total);
    if (all.html.length <= budget) return all; // ASCII only (see fill.ts): length = bytes
    hi = total;
  }
  let lo = 0; // the largest count known to fit (0 is the floor, even if over budget)
  let best: { kept: PreparedDigest; html: string } | undefined;
  let probe = Math.min(hi - 1, Math.max(lo + 1, mostWithin(TYPICAL_SIZE_RATIO)));
  while (hi - lo > 1) {
    const attempt = render(probe);
    const fits = attempt.html.length <= budget;
    if (fits) {
      lo = probe;
      best = attempt;
    } else hi = probe;
    const estimate = mostWithin(attempt.html.length / lower[probe]!);
    if (fits && estimate <= probe) break; // one more item would not fit by the measured ratio
    probe = Math.min(hi - 1, Math.max(lo + 1, estimate));
  }
  return best ?? render(0);
}
