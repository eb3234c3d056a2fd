import { createMiddleware } from 'hono/factory';

/** The policy of every HTML page that sets none of its own: nothing but this origin, no framing. */
export const STRICT_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The same protective headers on every response: no MIME sniffing, no framing, no referrer; and an
 * HTML response without a Content-Security-Policy of its own (error pages, whatever a route adds
 * later) gets the strict page policy, so no page can be left out by a route forgetting it.
 */
export function securityHeaders() {
  return createMiddleware(async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set('X-Content-Type-Options', 'nosniff');
    if (!headers.has('X-Frame-Options')) headers.set('X-Frame-Options', 'DENY');
    if (!headers.has('Referrer-Policy')) headers.set('Referrer-Policy', 'no-referrer');
    const html = /^text\/html/i.test(headers.get('content-type') ?? '');
    if (html && !headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', STRICT_PAGE_CSP);
  });
}
