import { createRoute, z } from '@hono/zod-openapi';
import { atomFeed, jsonFeed } from '../../alerts/change-feeds';
import { listFeedChanges } from '../../db/change-feed';
import type { Deps } from '../../services';
import { fromFeedCache, unlessNotModified } from '../changes/conditional';
import { ChangeFilterQuerySchema, categoryNamesOf, filtersOf } from '../changes/schema';
import { createRouter, problemResponse, publicSecurity, readProblemResponses } from '../router';

/** How many changes a feed document holds, newest first. */
const FEED_SIZE = 50;
const CACHE_CONTROL = 'public, max-age=300';

const feedRoute = (format: 'atom' | 'json') =>
  createRoute({
    method: 'get',
    path: `/feeds/changes.${format}`,
    operationId: format === 'atom' ? 'getChangesAtomFeed' : 'getChangesJsonFeed',
    security: publicSecurity,
    tags: ['Feeds'],
    summary: `The latest ${FEED_SIZE} changes matching the filters as ${format === 'atom' ? 'an Atom 1.0' : 'a JSON Feed 1.1'} document, for any feed reader`,
    description:
      'No address or token needed. One entry per change, with a stable id, the report link and a summary (watch flag, latest update). Conditional requests (If-None-Match) answer 304.',
    request: { query: ChangeFilterQuerySchema },
    responses: {
      200: {
        description: 'The feed',
        content: { [format === 'atom' ? 'application/atom+xml' : 'application/feed+json']: { schema: z.string() } },
      },
      304: { description: 'Not modified since the ETag in If-None-Match' },
      400: problemResponse('A filter is not valid; `errors` names it'),
      500: readProblemResponses[500],
    },
  });

export function feedRoutes({ db, config, feedCache }: Deps) {
  const router = createRouter();
  for (const [format, render, contentType] of [
    ['atom', atomFeed, 'application/atom+xml; charset=utf-8'],
    ['json', jsonFeed, 'application/feed+json; charset=utf-8'],
  ] as const) {
    router.use(`/feeds/changes.${format}`, fromFeedCache(feedCache, CACHE_CONTROL, contentType));
    router.openapi(feedRoute(format), async (c) => {
      const query = c.req.valid('query');
      const fresh = await unlessNotModified(c, feedCache, CACHE_CONTROL);
      if (fresh instanceof Response) return fresh as never;
      const body = await feedCache.answer(fresh.etag, async () => {
        const filters = filtersOf(query);
        const categoryNames = categoryNamesOf(filters.categories);
        const changes = await listFeedChanges(db, { after: 0, upTo: fresh.head, limit: FEED_SIZE, order: 'desc', filters, categoryNames });
        return render({ publicBaseUrl: config.publicBaseUrl, filters, changes });
      });
      return c.body(body, 200, { 'Content-Type': contentType }) as never;
    });
  }
  return router;
}
