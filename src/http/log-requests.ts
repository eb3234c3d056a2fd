import { createMiddleware } from 'hono/factory';
import type { Log } from '../log';

/**
 * One JSON line per request with its id. Only the path is logged, never the query string
 * or headers: links carry tokens in `?token=`, and headers carry the admin token.
 */
export function logRequests(log: Log) {
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const line = {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      route: c.req.routePath,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (status >= 500) log.error(line, 'request failed');
    else log.info(line, 'request');
  });
}
