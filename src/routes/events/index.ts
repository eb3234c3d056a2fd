import { createRoute } from '@hono/zod-openapi';
import { findEvent, listEvents } from '../../db/events';
import { problems } from '../../errors';
import type { Deps } from '../../services';
import { createRouter, json, problemResponse, problemResponses, publicSecurity } from '../router';
import { EventIdParamsSchema, EventListQuerySchema, EventPageSchema, EventSchema, encodeEventCursor } from './schema';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/events',
  operationId: 'listEvents',
  security: publicSecurity,
  tags: ['Events'],
  summary: 'Current events, newest month first, cursor-paginated',
  request: { query: EventListQuerySchema },
  responses: { 200: json(EventPageSchema, 'A page of events'), 400: problemResponses[400], 500: problemResponses[500] },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/events/{id}',
  operationId: 'getEvent',
  security: publicSecurity,
  tags: ['Events'],
  summary: 'One event in its current state',
  request: { params: EventIdParamsSchema },
  responses: {
    200: json(EventSchema, 'The event'),
    400: problemResponses[400],
    404: problemResponse('No such event'),
    500: problemResponses[500],
  },
});

export function eventRoutes({ db }: Deps) {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const query = c.req.valid('query');
      const rows = await listEvents(db, { ...query, after: query.cursor, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor = rows.length > query.limit && last ? encodeEventCursor(last) : null;
      return c.json({ data: page, nextCursor }, 200);
    })
    .openapi(getRoute, async (c) => {
      const event = await findEvent(db, c.req.valid('param').id);
      if (!event) throw problems.notFound('No event has this id.');
      return c.json(event, 200);
    });
}
