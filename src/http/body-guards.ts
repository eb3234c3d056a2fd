import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { problems } from '../errors';

const jsonType = /^application\/([\w.-]+\+)?json$/i;
const formTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

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
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const formAllowed = formPaths.has(c.req.path) && formTypes.has(mediaType);
      if (!jsonType.test(mediaType) && !formAllowed) throw problems.unsupportedMediaType('application/json');
    }
    await next();
  });
}

/** Caps request bodies: 413 problem+json past `limitFor(path)` bytes. */
export function limitBodies(limitFor: (path: string) => number) {
  return createMiddleware(async (c, next) => {
    const maxSize = limitFor(c.req.path);
    return bodyLimit({
      maxSize,
      onError: () => {
        throw problems.payloadTooLarge(maxSize);
      },
    })(c, next);
  });
}
