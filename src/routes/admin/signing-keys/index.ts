import { createRoute } from '@hono/zod-openapi';
import { publishedKey, rotateSigningKey } from '../../../alerts/webhooks/signing-keys';
import type { Deps } from '../../../services';
import { adminProblemResponses, adminSecurity, createRouter, json } from '../../router';
import { KeySetSchema, SigningKeyRotateSchema } from '../../webhook-signing-keys/schema';

const rotateRoute = createRoute({
  method: 'post',
  path: '/v1/admin/webhook-signing-keys/rotate',
  operationId: 'rotateWebhookSigningKey',
  tags: ['Admin'],
  summary: 'A new current Ed25519 key for `v1a` signatures; the old one keeps signing beside it for the overlap',
  security: adminSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: SigningKeyRotateSchema } } } },
  responses: { 200: json(KeySetSchema, 'The published key set after the rotation'), ...adminProblemResponses },
});

export function adminSigningKeyRoutes(deps: Deps) {
  return createRouter().openapi(rotateRoute, async (c) => {
    const { overlapSeconds } = c.req.valid('json');
    const keys = await rotateSigningKey(deps, overlapSeconds * 1000);
    deps.log.info({ kid: keys[0]?.id, overlapSeconds }, 'webhook signing key rotated');
    return c.json({ keys: keys.map(publishedKey) }, 200);
  });
}
