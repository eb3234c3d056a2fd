/** The digest's HTML: the precompiled digest.mjml filled with the view of a prepared digest. */
import { compiledTemplates } from './compiled';
import type { PreparedDigest } from './digest-prepare';
import { digestView, type DigestTotals, type DigestView } from './digest-view';
import { prepareTemplate } from './fill';

const fillDigest = prepareTemplate<DigestView>(compiledTemplates.digest);

export function renderDigestHtml(d: PreparedDigest, totals: DigestTotals): string {
  return fillDigest(digestView(d, totals));
}
