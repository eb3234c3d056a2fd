import { createRoute, z } from '@hono/zod-openapi';
import { previewDigest } from '../../../alerts/digest/preview';
import { runDigestTick } from '../../../alerts/digest/runner';
import { listDigestRuns } from '../../../db/digests';
import { problems } from '../../../errors';
import type { Deps } from '../../../services';
import { adminProblemResponses, adminReadProblemResponses, adminSecurity, createRouter, json, problemResponse } from '../../router';
import {
  DigestRunListQuerySchema,
  DigestRunPageSchema,
  DigestRunRequestSchema,
  DigestTickResultSchema,
  PreviewQuerySchema,
} from './schema';

const runRoute = createRoute({
  method: 'post',
  path: '/v1/admin/digests/run',
  operationId: 'runDigestTick',
  tags: ['Admin'],
  summary: 'Run the digest tick now, or as if at `now`; answers what was sent, skipped and failed',
  security: adminSecurity,
  request: { body: { required: false, content: { 'application/json': { schema: DigestRunRequestSchema } } } },
  responses: { 200: json(DigestTickResultSchema, 'What the tick did (or would do, for a dry run)'), ...adminProblemResponses },
});

const previewRoute = createRoute({
  method: 'get',
  path: '/v1/admin/digests/preview',
  operationId: 'previewDigest',
  tags: ['Admin'],
  summary: 'The rendered digest HTML this address would get now',
  security: adminSecurity,
  request: { query: PreviewQuerySchema },
  responses: {
    200: { description: 'The digest as HTML', content: { 'text/html': { schema: z.string() } } },
    ...adminReadProblemResponses,
    404: problemResponse('No confirmed subscriber has this address'),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/admin/digests',
  operationId: 'listDigestRuns',
  tags: ['Admin'],
  summary: 'Digest runs, newest first, with their counts',
  security: adminSecurity,
  request: { query: DigestRunListQuerySchema },
  responses: { 200: json(DigestRunPageSchema, 'A page of runs'), ...adminReadProblemResponses },
});

export function adminDigestRoutes(deps: Deps) {
  return createRouter()
    .openapi(runRoute, async (c) => {
      const body = (c.req.valid('json') as z.infer<typeof DigestRunRequestSchema> | undefined) ?? { dryRun: false };
      const asOf = body.now ? new Date(body.now) : deps.clock.now();
      const result = await runDigestTick(deps, { asOf, trigger: 'api', dryRun: body.dryRun });
      return c.json(result, 200);
    })
    .openapi(previewRoute, async (c) => {
      const preview = await previewDigest(deps, c.req.valid('query').email, deps.clock.now());
      if (!preview) throw problems.notFound('No confirmed subscriber has this address.');
      if (preview.skipped)
        return c.html('<!doctype html><p>Nothing new matches this subscriber, who chose to skip empty digests.</p>', 200);
      return c.html(preview.html, 200);
    })
    .openapi(listRoute, async (c) => {
      const { limit, before } = c.req.valid('query');
      const rows = await listDigestRuns(deps.db, { limit: limit + 1, before });
      const data = rows.slice(0, limit);
      return c.json({ data, nextBefore: rows.length > limit ? data.at(-1)!.id : null }, 200);
    });
}
