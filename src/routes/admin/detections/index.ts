import { createRoute } from '@hono/zod-openapi';
import { runDetection } from '../../../alerts/detector/run-detection';
import { listDetectionRuns } from '../../../db/detection-runs';
import { ProblemError } from '../../../errors';
import type { Deps } from '../../../services';
import { adminProblemResponses, adminReadProblemResponses, adminSecurity, createRouter, json, problemResponse } from '../../router';
import { DetectionRunListQuerySchema, DetectionRunPageSchema, DetectionRunSchema } from './schema';

const detectRoute = createRoute({
  method: 'post',
  path: '/v1/admin/detect',
  operationId: 'runDetection',
  tags: ['Admin'],
  summary: 'Run detection now over the configured sources and answer the run',
  security: adminSecurity,
  responses: {
    200: json(DetectionRunSchema, 'The finished run, with what each source gave'),
    409: problemResponse('A detection run is already in progress'),
    ...adminProblemResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/admin/detections',
  operationId: 'listDetectionRuns',
  tags: ['Admin'],
  summary: 'Detection runs, newest first: when, how, and per-source counts and errors',
  security: adminSecurity,
  request: { query: DetectionRunListQuerySchema },
  responses: { 200: json(DetectionRunPageSchema, 'A page of runs'), ...adminReadProblemResponses },
});

export function adminDetectionRoutes(deps: Deps) {
  return createRouter()
    .openapi(detectRoute, async (c) => {
      const outcome = await runDetection(deps, 'api');
      if (!outcome.ran) {
        throw new ProblemError({
          type: 'detection-in-progress',
          title: 'A detection run is already in progress',
          status: 409,
          detail: 'Another run (cron, CLI or another instance) holds the detection lock. Its result will be at GET /v1/admin/detections.',
        });
      }
      return c.json(outcome.run, 200);
    })
    .openapi(listRoute, async (c) => {
      const { limit, before } = c.req.valid('query');
      const data = await listDetectionRuns(deps.db, { limit: limit + 1, before });
      const page = data.slice(0, limit);
      return c.json({ data: page, nextBefore: data.length > limit ? page.at(-1)!.id : null }, 200);
    });
}
