import type { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';

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
  app.doc31('/openapi.json', { openapi: '3.1.0', info, servers: [{ url: publicBaseUrl }] });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'tracker-alerts API' }));
}
