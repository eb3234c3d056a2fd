import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ProblemError, problems } from '../errors';

const jsonType = /^application\/([\w.-]+\+)?json$/i;
export const formTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/** The request's media type, lower-cased, without parameters (`application/json; charset=utf-8` -> `application/json`). */
export const mediaTypeOf = (c: Context): string => (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

function hasBody(headers: Headers): boolean {
  const length = headers.get('content-length');
  return (length !== null && length !== '0') || headers.has('transfer-encoding');
}

/**
 * A request carrying a body must say it is JSON (or a form, on the routes that take forms):
 * anything else is a 415, not a confusing "field is required".
 */
export function requireJsonBodies(formPaths: ReadonlySet<string> = new Set()) {
  return createMiddleware(async (c, next) => {
    if (['POST', 'PUT', 'PATCH'].includes(c.req.method) && hasBody(c.req.raw.headers)) {
      const mediaType = mediaTypeOf(c);
      const formAllowed = formPaths.has(c.req.path) && formTypes.has(mediaType);
      if (!jsonType.test(mediaType) && !formAllowed) throw problems.unsupportedMediaType('application/json');
    }
    await next();
  });
}

/** How much of an oversized body is read and thrown away so the client gets to read its 413. */
const DISCARD_LIMIT = { bytes: 64 * 1024 * 1024, ms: 10_000 };

/**
 * Caps request bodies: 413 problem+json past `limitFor(path)` bytes. Hono's bodyLimit answers as
 * soon as it knows, while the client is still writing; the connection then closes under the
 * client, which sees "other side closed" instead of the answer. So the rest of the body is read
 * and discarded first (up to DISCARD_LIMIT, then the connection is closed), as nginx's lingering
 * close does.
 */
export function limitBodies(limitFor: (path: string) => number) {
  return createMiddleware(async (c, next) => {
    // A GET or HEAD never carries a body to read, and asking for one makes @hono/node-server build
    // a whole Request (about a third of the app's own CPU for a 304 of the public feeds).
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const body = c.req.raw.body;
    if (!body) return next();
    const maxSize = limitFor(c.req.path);
    const declared = c.req.raw.headers.has('transfer-encoding') ? undefined : c.req.raw.headers.get('content-length');
    if (declared !== undefined && declared !== null) {
      if (Number.parseInt(declared, 10) <= maxSize) return next();
      throw await tooLarge(body.getReader(), maxSize);
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxSize) throw await tooLarge(reader, maxSize);
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
    return next();
  });
}

async function tooLarge(reader: ReadableStreamDefaultReader<Uint8Array>, maxSize: number) {
  const problem = problems.payloadTooLarge(maxSize);
  return (await discardRest(reader)) ? problem : new ProblemError(problem.problem, { Connection: 'close' });
}

/** Reads the body to its end without keeping it; false if it went on past DISCARD_LIMIT. */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel().catch(() => undefined);
  }, DISCARD_LIMIT.ms);
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return !timedOut;
      read += value.length;
      if (read > DISCARD_LIMIT.bytes) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
