import type { BackgroundTasks } from '../background';
import { changeLogHead } from '../db/change-feed';
import type { Db } from '../db/database';
import type { FeedCache } from './feed-cache';

/**
 * How long a data centre trusts the change log's head it keeps, in seconds. An append made there
 * drops it at once; one made elsewhere (another data centre, a Node instance) is seen after this
 * at most, well inside the feeds' own `Cache-Control: max-age` (30 s and more).
 */
export const EDGE_HEAD_FRESH_S = 5;
/** Rendered answers never go stale (their ETag names the head), so they stay until evicted or this long. */
const ANSWER_TTL_S = 60 * 60;

/**
 * The feed cache of the Cloudflare Worker, where nothing outlives an invocation: the head and the
 * rendered answers go into the Workers Cache API (`caches.default`, one cache per data centre)
 * under keys of their own on this service's origin, which no request path reaches. A 304, or a feed
 * asked for again, then costs two cache lookups and no database connection at all.
 */
export function createEdgeFeedCache(db: Db, store: Cache, options: { origin: string; background: BackgroundTasks }): FeedCache {
  const headKey = `${options.origin}/__feed-cache/head`;
  const answerKey = (etag: string) => `${options.origin}/__feed-cache/answers/${encodeURIComponent(etag)}`;
  const utf8 = new TextEncoder();
  const keep = (key: string, body: string | Uint8Array<ArrayBuffer>, seconds: number) =>
    store.put(key, new Response(body, { headers: { 'Cache-Control': `max-age=${seconds}` } }));
  let generation = 0;
  let head: Promise<number> | undefined;

  const readHead = async () => {
    const kept = await store.match(headKey);
    const value = kept ? Number(await kept.text()) : Number.NaN;
    if (Number.isSafeInteger(value)) return value;
    const startedIn = generation;
    const read = await changeLogHead(db);
    // A read that an append overtook is not kept (see changed()).
    if (startedIn === generation) await keep(headKey, String(read), EDGE_HEAD_FRESH_S);
    return read;
  };
  const kept = async (etag: string) => {
    const answer = await store.match(answerKey(etag));
    return answer ? new Uint8Array(await answer.arrayBuffer()) : undefined;
  };

  return {
    head() {
      if (!head) {
        const reading = readHead();
        head = reading;
        reading.catch(() => {
          if (head === reading) head = undefined;
        });
      }
      return head;
    },
    kept,
    async answer(etag, render) {
      const found = await kept(etag);
      if (found) return found;
      const body = utf8.encode(await render());
      await keep(answerKey(etag), body, ANSWER_TTL_S);
      return body;
    },
    changed() {
      generation += 1;
      head = undefined;
      options.background.run('feed cache: drop the head', () => store.delete(headKey));
    },
  };
}
