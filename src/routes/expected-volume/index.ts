import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../services';
import { expectedVolume } from '../../subscribers/expected-volume';
import { PreferencesSchema } from '../preferences/schema';
import { createRouter, json, problemResponses, publicSecurity } from '../router';
import { ExpectedVolumeSchema } from './schema';

const estimateRoute = createRoute({
  method: 'post',
  path: '/v1/expected-volume',
  operationId: 'estimateExpectedVolume',
  security: publicSecurity,
  tags: ['Subscribers'],
  summary: 'Roughly how many emails and reports these choices would have brought over the last 6 months',
  description: 'Computed from the change log; nothing is stored. Takes the same choices as a sign-up.',
  request: { body: { required: true, content: { 'application/json': { schema: PreferencesSchema } } } },
  responses: { 200: json(ExpectedVolumeSchema, 'The estimate'), ...problemResponses },
});

export function expectedVolumeRoutes(deps: Deps) {
  return createRouter().openapi(estimateRoute, async (c) => c.json(await expectedVolume(deps, c.req.valid('json')), 200));
}
