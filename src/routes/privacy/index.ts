import { createRoute } from '@hono/zod-openapi';
import { ProblemError } from '../../errors';
import type { Deps } from '../../services';
import { subscriberExport } from '../../subscribers/export';
import { subscriberFromToken, tokenProblemText } from '../../subscribers/token-subscriber';
import { createRouter, json, problemResponse, publicSecurity, readProblemResponses } from '../router';
import { ExportTokenQuerySchema, SubscriberExportSchema } from './schema';

const exportRoute = createRoute({
  method: 'get',
  operationId: 'exportSubscriberData',
  path: '/v1/preferences/export',
  tags: ['Subscribers'],
  summary: 'Download everything stored about a subscriber, as JSON (the export link of the preference centre)',
  security: publicSecurity,
  request: { query: ExportTokenQuerySchema },
  responses: {
    200: json(SubscriberExportSchema, 'Everything stored about the subscriber'),
    ...readProblemResponses,
    401: problemResponse('The token is not an export token, or no longer valid'),
  },
});

/** A subscriber's privacy controls: the data export (and, below, their OpenPGP key). */
export function privacyRoutes(deps: Deps) {
  return createRouter().openapi(exportRoute, async (c) => {
    const found = await subscriberFromToken(deps, deps.db, c.req.valid('query').token, 'export');
    if (!found.ok) {
      throw new ProblemError({
        type: 'invalid-token',
        title: 'This link is not valid',
        status: 401,
        detail: tokenProblemText[found.problem],
      });
    }
    const data = await subscriberExport(deps, found.subscriber);
    c.header('Content-Disposition', 'attachment; filename="tracker-alerts-my-data.json"');
    c.header('Cache-Control', 'no-store');
    return c.json(data, 200);
  });
}
