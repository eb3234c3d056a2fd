import type { ParsedEvent } from '../event';
import type { CountryContext } from './country-context';
import { demoTrackerPageUrl } from './demo';
import { parseJsonFeed } from './feed';
import { parseTrackerPage } from './tracker-page';

export { demoSourceUrls } from './demo';
export { SourceFormatError } from './errors';
export { parseJsonFeed } from './feed';
export { parseTrackerPage, trackerEventId } from './tracker-page';

export interface SourceDocument {
  format: 'json-feed' | 'tracker-page';
  events: ParsedEvent[];
  /** Events the document held that failed validation; `index` is the position in a JSON feed. */
  skipped: { reason: string; index?: number }[];
  /** A tracker country page's country context, to record beside its events. */
  countryContext?: { country: string; context: CountryContext };
}

/**
 * A fetched document -> events, through the adapter its content type or first character
 * names: JSON goes to the feed adapter, anything else (HTML or text) to the tracker page one.
 * Throws `SourceFormatError` when the document is neither.
 */
export function parseSourceDocument(body: string, contentType: string | undefined, url: string): SourceDocument {
  if (isJson(body, contentType)) return { format: 'json-feed', ...parseJsonFeed(body) };
  const page = parseTrackerPage(body, { url: demoTrackerPageUrl(url) ?? url });
  const countryContext = page.context ? { countryContext: { country: page.country, context: page.context } } : {};
  return { format: 'tracker-page', events: page.events, skipped: page.skipped, ...countryContext };
}

function isJson(body: string, contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return true;
  const first = body.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '[' || first === '{';
}
