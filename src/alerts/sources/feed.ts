import { eventInputSchema, type ParsedEvent } from '../event';
import { describeIssues, SourceFormatError } from './errors';

/** A JSON feed in the contract's event shape: `[event, ...]` or `{"events": [event, ...]}`. */
export interface JsonFeedResult {
  events: ParsedEvent[];
  skipped: { index: number; reason: string }[];
}

export function parseJsonFeed(body: string): JsonFeedResult {
  const items = feedItems(parseJson(body));
  const events: ParsedEvent[] = [];
  const skipped: { index: number; reason: string }[] = [];
  const indexById = new Map<string, number>();

  items.forEach((item, index) => {
    const result = eventInputSchema.safeParse(item);
    if (!result.success) {
      skipped.push({ index, reason: describeIssues(result.error) });
      return;
    }
    const firstIndex = indexById.get(result.data.id);
    if (firstIndex !== undefined) {
      skipped.push({ index, reason: `id: "${result.data.id}" is already the id of the event at index ${firstIndex}` });
      return;
    }
    indexById.set(result.data.id, index);
    events.push(result.data);
  });
  return { events, skipped };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new SourceFormatError(`not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Other top-level keys of the object form (the demo feed's `note`, feed metadata) are ignored. */
function feedItems(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (typeof document === 'object' && document !== null && 'events' in document && Array.isArray(document.events)) {
    return document.events;
  }
  throw new SourceFormatError('a JSON feed must be an array of events or an object {"events": [...]}');
}
