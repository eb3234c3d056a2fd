import { createRoute } from '@hono/zod-openapi';
import { listFeedChanges } from '../../db/change-feed';
import type { Deps } from '../../services';
import { createRouter, json, problemResponse, publicSecurity, readProblemResponses } from '../router';
import { fromFeedCache, unlessNotModified } from './conditional';

const CACHE_CONTROL = 'public, max-age=30';

import { ChangeFeedQuerySchema, categoryNamesOf, filtersOf, type PublicChangePage, PublicChangePageSchema, publicChange } from './schema';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/changes',
  operationId: 'listChanges',
  security: publicSecurity,
  tags: ['Events'],
  summary:
    'The public change feed: changes after a cursor, in log order, filtered, each with its event as it is now (or, for a country context change, its country and changed values)',
  description:
    'No token needed. Store `nextAfter` and poll with it as `after`; a poll with the ETag of the previous answer in ' +
    'If-None-Match answers 304 while nothing was appended. Filters take comma-separated lists and mean what a ' +
    "subscriber's choices mean: country or region, and category or factor (an event without categories matches any). " +
    'Country context changes (`country.*`) match by their country, and a ranking or trend by its category.',
  request: { query: ChangeFeedQuerySchema },
  responses: {
    200: json(PublicChangePageSchema, 'A page of changes'),
    304: { description: 'Not modified: no change was appended since the ETag in If-None-Match' },
    400: problemResponse('A filter or the cursor is not valid; `errors` names it'),
    500: readProblemResponses[500],
  },
});

export function changeRoutes({ db, feedCache }: Deps) {
  const router = createRouter();
  router.use('/v1/changes', fromFeedCache(feedCache, CACHE_CONTROL, 'application/json'));
  return router.openapi(listRoute, async (c) => {
    const query = c.req.valid('query');
    const fresh = await unlessNotModified(c, feedCache, CACHE_CONTROL);
    if (fresh instanceof Response) return fresh as never;
    const body = await feedCache.answer(fresh.etag, async () => {
      const rows = await listFeedChanges(db, {
        after: query.after,
        upTo: fresh.head,
        limit: query.limit + 1,
        order: 'asc',
        filters: filtersOf(query),
        categoryNames: categoryNamesOf(query.category ?? []),
      });
      const data = rows.slice(0, query.limit).map(publicChange);
      const hasMore = rows.length > query.limit;
      const nextAfter = hasMore ? data.at(-1)!.id : Math.max(query.after, fresh.head);
      return JSON.stringify({ data, nextAfter, hasMore } satisfies PublicChangePage);
    });
    return c.body(body, 200, { 'Content-Type': 'application/json' }) as never;
  });
}
