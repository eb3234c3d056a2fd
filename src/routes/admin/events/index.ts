import { createRoute } from '@hono/zod-openapi';
import { normaliseEvent } from '../../../alerts/event';
import { ingestEvents } from '../../../alerts/ingest';
import type { Deps } from '../../../services';
import { adminProblemResponses, adminSecurity, createRouter, json } from '../../router';
import { IngestRequestSchema, IngestResultSchema } from './schema';

const ingestRoute = createRoute({
  method: 'post',
  path: '/v1/admin/events',
  operationId: 'ingestEvents',
  tags: ['Admin'],
  summary: 'Upsert a batch of up to 1,000 events and append the changes they make',
  description:
    'One transaction: every event is validated first, then new ids are published, changed content ' +
    'is recorded as event.updated (with the previous values), and watch-flag flips as ' +
    'event.watch_flag_raised / event.watch_flag_lifted. Re-sending identical events writes nothing.',
  security: adminSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: IngestRequestSchema } } } },
  responses: { 200: json(IngestResultSchema, 'What the batch did'), ...adminProblemResponses },
});

export function adminEventRoutes(deps: Deps) {
  return createRouter().openapi(ingestRoute, async (c) => {
    const { events } = c.req.valid('json');
    const result = await ingestEvents(deps, events.map(normaliseEvent));
    deps.log.info({ ...result }, 'events ingested');
    if (result.changes > 0) deps.webhookPump.kick();
    return c.json(result, 200);
  });
}
