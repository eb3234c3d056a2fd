import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { createMiddleware } from 'hono/factory';
import { registerWebhookMessages } from '../event-types/webhooks';

const info = {
  title: 'tracker-alerts',
  version: '0.1.0',
  description:
    'Alerts for a democracy-monitoring site: the taxonomy, the current events, the append-only change log, ' +
    'and (admin) ingestion. Errors are application/problem+json (RFC 9457).',
};

/** Serves the OpenAPI 3.1 document generated from the routes' own zod schemas, and a docs page over it. */
export function mountDocs(app: OpenAPIHono, publicBaseUrl: string): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The ADMIN_TOKEN the server was started with',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The METRICS_TOKEN the server was started with (for the Prometheus scrape)',
  });
  registerWebhookMessages(app.openAPIRegistry);
  app.doc31('/openapi.json', { openapi: '3.1.0', info, servers: [{ url: publicBaseUrl }] });
  app.get('/docs', docsPolicy(), Scalar({ url: '/openapi.json', pageTitle: 'tracker-alerts API' }));
}

/** Where the docs viewer loads its script, styles and fonts from. */
const VIEWER_ORIGIN = 'https://cdn.jsdelivr.net';

/**
 * The docs page's policy: its inline start-up script allowed by its hash (no other inline script
 * runs), the viewer from its one origin, nothing framed, nothing posted.
 */
function docsPolicy() {
  return createMiddleware(async (c, next) => {
    await next();
    const html = await c.res.clone().text();
    const hashes = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)]
      .map((match) => match[1] ?? '')
      .filter((body) => body.trim() !== '')
      .map((body) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`);
    c.res.headers.set(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src 'self' ${VIEWER_ORIGIN} ${hashes.join(' ')}`,
        `style-src 'self' 'unsafe-inline' ${VIEWER_ORIGIN}`,
        `font-src 'self' data: ${VIEWER_ORIGIN}`,
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ].join('; '),
    );
  });
}
