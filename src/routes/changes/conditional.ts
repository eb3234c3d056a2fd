import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { FeedCache } from '../../http/feed-cache';

/**
 * Answers of the change feed depend only on the request and on the newest change id, so that pair
 * is the ETag: a request whose If-None-Match holds it gets 304 without a page of the log being
 * read (the head comes from the feed cache, see http/feed-cache.ts). Returns the head to read up
 * to and the ETag (the key of the cached answer), or the 304.
 */
export async function unlessNotModified(
  c: Context,
  cache: FeedCache,
  cacheControl: string,
): Promise<{ head: number; etag: string } | Response> {
  const head = await cache.head();
  const etag = etagOf(c, head);
  c.header('ETag', etag);
  c.header('Cache-Control', cacheControl);
  if (notModified(c, etag)) return c.body(null, 304);
  return { head, etag };
}

/**
 * Before the query is parsed: a 304, or an answer already rendered for this request and head,
 * straight from the feed cache. Only valid requests are ever rendered and given an ETag, so
 * anything else goes on to the route (and its 400).
 */
export function fromFeedCache(cache: FeedCache, cacheControl: string, contentType: string): MiddlewareHandler {
  return async (c, next) => {
    const etag = etagOf(c, await cache.head());
    const kept = await cache.kept(etag);
    if (kept === undefined) return next();
    c.header('ETag', etag);
    c.header('Cache-Control', cacheControl);
    if (notModified(c, etag)) return c.body(null, 304);
    return c.body(kept, 200, { 'Content-Type': contentType });
  };
}

function etagOf(c: Context, head: number): string {
  const url = new URL(c.req.url);
  const key = createHash('sha256')
    .update(`${url.pathname}?${[...url.searchParams].sort().join('&')}`)
    .digest('base64url')
    .slice(0, 16);
  return `"${head}-${key}"`;
}

function notModified(c: Context, etag: string): boolean {
  const wanted = c.req.header('if-none-match');
  return wanted !== undefined && (wanted.trim() === '*' || wanted.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag));
}
