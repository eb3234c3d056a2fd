import { createRoute } from '@hono/zod-openapi';
import { etag } from 'hono/etag';
import { eventTypeCatalogue } from '../../alerts/webhooks/event-types';
import { createRouter, json, publicSecurity, readProblemResponses } from '../router';
import { EventTypeListSchema } from './schema';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/event-types',
  operationId: 'listEventTypes',
  security: publicSecurity,
  tags: ['Events'],
  summary: 'The event catalogue: every change type a webhook may carry, with the JSON Schema of its body and an example',
  description: 'Generated from the schemas the dispatcher sends with; the same messages are in this document under `webhooks`.',
  responses: { 200: json(EventTypeListSchema, 'Every change type'), 500: readProblemResponses[500] },
});

export function eventTypeRoutes() {
  const data = eventTypeCatalogue();
  const router = createRouter();
  router.use('/v1/event-types', etag());
  return router.openapi(listRoute, (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.json({ data }, 200);
  });
}
