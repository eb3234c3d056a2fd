import { createRoute } from '@hono/zod-openapi';
import type { AnyChangeType } from '../../../db/change-types';
import { listLogChangesAfter } from '../../../db/changes';
import type { Deps } from '../../../services';
import { adminReadProblemResponses, adminSecurity, createRouter, json } from '../../router';
import { ChangeListQuerySchema, ChangePageSchema } from './schema';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/admin/changes',
  operationId: 'listChangesAsAdmin',
  tags: ['Admin'],
  summary: 'The change log after a cursor, oldest first: event changes and country context changes',
  description:
    'Filters take comma-separated lists: `type` (any change type, `event.*` or `country.*`) and `country` (ISO 3166-1 alpha-3: ' +
    'changes of that country’s events and of its context). A filtered page stops at `limit` matches.',
  security: adminSecurity,
  request: { query: ChangeListQuerySchema },
  responses: { 200: json(ChangePageSchema, 'A page of the change log'), ...adminReadProblemResponses },
});

export function adminChangeRoutes({ db }: Deps) {
  return createRouter().openapi(listRoute, async (c) => {
    const { after, limit, type, country } = c.req.valid('query');
    const data = await listLogChangesAfter(db, after, limit, { types: type as AnyChangeType[] | undefined, countries: country });
    return c.json({ data, nextAfter: data.at(-1)?.id ?? after, hasMore: data.length === limit }, 200);
  });
}
