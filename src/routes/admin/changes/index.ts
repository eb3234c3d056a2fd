import { createRoute } from '@hono/zod-openapi';
import { listChangesAfter } from '../../../db/changes';
import type { Deps } from '../../../services';
import { adminReadProblemResponses, adminSecurity, createRouter, json } from '../../router';
import { ChangeListQuerySchema, ChangePageSchema } from './schema';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/admin/changes',
  operationId: 'listChangesAsAdmin',
  tags: ['Admin'],
  summary: 'The change log after a cursor, oldest first',
  security: adminSecurity,
  request: { query: ChangeListQuerySchema },
  responses: { 200: json(ChangePageSchema, 'A page of the change log'), ...adminReadProblemResponses },
});

export function adminChangeRoutes({ db }: Deps) {
  return createRouter().openapi(listRoute, async (c) => {
    const { after, limit } = c.req.valid('query');
    const data = await listChangesAfter(db, after, limit);
    return c.json({ data, nextAfter: data.at(-1)?.id ?? after, hasMore: data.length === limit }, 200);
  });
}
