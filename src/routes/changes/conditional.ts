import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { changeLogHead } from '../../db/change-feed';
import type { Db } from '../../db/database';

/**
 * Answers of the change feed depend only on the request and on the newest change id, so that pair
 * is the ETag: a request whose If-None-Match holds it gets 304 after one index probe, without a
 * page of the log being read. Returns the head to read up to, or the 304.
 */
export async function unlessNotModified(c: Context, db: Db, cacheControl: string): Promise<{ head: number } | Response> {
  const head = await changeLogHead(db);
  const url = new URL(c.req.url);
  const key = createHash('sha256')
    .update(`${url.pathname}?${[...url.searchParams].sort().join('&')}`)
    .digest('base64url')
    .slice(0, 16);
  const etag = `"${head}-${key}"`;
  c.header('ETag', etag);
  c.header('Cache-Control', cacheControl);
  const wanted = c.req.header('if-none-match');
  if (wanted && (wanted.trim() === '*' || wanted.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))) {
    return c.body(null, 304);
  }
  return { head };
}
