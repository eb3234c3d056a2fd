import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { requireMetricsToken } from '../../http/admin-auth';
import type { Deps } from '../../services';
import { createRouter, json, problemResponse, publicSecurity } from '../router';

const StatusSchema = z
  .object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.string()).optional() })
  .openapi('Status');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getLiveness',
  security: publicSecurity,
  tags: ['Operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: json(StatusSchema, 'Alive') },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  security: publicSecurity,
  tags: ['Operations'],
  summary: 'Readiness: the database answers and the process is not draining',
  responses: { 200: json(StatusSchema, 'Ready'), 503: json(StatusSchema, 'Not ready') },
});

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics (text exposition format)',
  description: 'Needs `Authorization: Bearer <METRICS_TOKEN>`: the counters move with what subscribers do, so they are not public.',
  security: [{ metricsToken: [] }],
  responses: {
    200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
    401: problemResponse('Missing or wrong bearer token'),
    503: problemResponse('The server has no METRICS_TOKEN configured'),
  },
});

export function healthRoutes(deps: Deps) {
  const router = createRouter();
  router.use('/metrics', requireMetricsToken(deps.config.metricsToken));
  return router
    .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyz, async (c) => {
      const draining = deps.isAcceptingWork ? !deps.isAcceptingWork() : false;
      let database = 'ok';
      try {
        await sql`select 1`.execute(deps.db);
      } catch (error) {
        deps.log.warn({ err: error }, 'readiness check: database unreachable');
        database = 'unreachable';
      }
      const checks = { database, process: draining ? 'draining' : 'ok' };
      const ready = database === 'ok' && !draining;
      return c.json({ status: ready ? ('ok' as const) : ('unavailable' as const), checks }, ready ? 200 : 503);
    })
    .openapi(metrics, async (c) => {
      const text = await deps.metrics.registry.metrics();
      return c.text(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
    });
}
