import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { createMiddleware } from 'hono/factory';
import { problems } from '../../errors';
import { registerWebhookMessages } from '../event-types/webhooks';
import type { DocsViewerAsset } from './viewer';

const info = {
  title: 'tracker-alerts',
  version: '0.1.0',
  description:
    'Alerts for a democracy-monitoring site: the taxonomy, the current events, the append-only change log, ' +
    'and (admin) ingestion. Errors are application/problem+json (RFC 9457).',
};

/**
 * Serves the OpenAPI 3.1 document generated from the routes' own zod schemas, and a docs page over it
 * whose viewer (the installed, pinned @scalar/api-reference) the app serves itself: no third-party origin.
 */
export function mountDocs(app: OpenAPIHono, publicBaseUrl: string, loadViewer?: () => DocsViewerAsset): void {
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

  let viewer: DocsViewerAsset | undefined;
  const currentViewer = () => {
    viewer ??= loadViewer?.();
    return viewer;
  };
  app.get('/docs/assets/:name', (c) => {
    const asset = currentViewer();
    if (!asset?.body || c.req.path !== asset.path) throw problems.notFound();
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
  });
  app.get('/docs', docsPolicy(), (c, next) => {
    const asset = currentViewer();
    if (!asset) throw problems.notFound('The docs viewer is not installed here; read /openapi.json.');
    return Scalar({
      url: '/openapi.json',
      pageTitle: 'tracker-alerts API',
      cdn: asset.path,
      withDefaultFonts: false,
      hideClientButton: true,
    })(c, next);
  });
}

/**
 * The docs page's policy: its inline start-up script allowed by its hash (no other inline script
 * runs), everything else from this origin only, nothing framed, nothing posted.
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
        `script-src 'self' ${hashes.join(' ')}`,
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ].join('; '),
    );
  });
}
