/**
 * The digest: precompiled digest.mjml filled per recipient, cut to a byte budget so Gmail
 * (which clips at ~102 KB) never hides the footer; what is cut becomes "N more reports on
 * the site". No mjml here: this runs per recipient, in Node and in Workers.
 */
import { fitToBudget } from './digest-budget';
import { itemCount, modelTotals } from './digest-prepare';
import { digestText } from './digest-text';
import { digestSubject } from './digest-view';
import type { DigestModel, DigestRenderOptions, RenderedDigest } from './models';

export const DEFAULT_DIGEST_HTML_BUDGET = 90_000;

export function renderDigestEmail(model: DigestModel, options: DigestRenderOptions = {}): RenderedDigest {
  const totals = modelTotals(model);
  const { kept, html } = fitToBudget(model, totals, options.maxHtmlBytes ?? DEFAULT_DIGEST_HTML_BUDGET);
  return {
    subject: digestSubject(kept, totals),
    html,
    text: digestText(kept, totals),
    shownCount: itemCount(kept),
    moreCount: kept.moreCount,
  };
}
