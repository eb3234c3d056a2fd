import { createRoute } from '@hono/zod-openapi';
import { liveSigningKeys, publishedKey } from '../../alerts/webhooks/signing-keys';
import type { Deps } from '../../services';
import { createRouter, json, publicSecurity, readProblemResponses } from '../router';
import { KeySetSchema } from './schema';

const keySetRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-signing-keys',
  operationId: 'getWebhookSigningKeys',
  tags: ['Webhooks'],
  summary: 'The public keys that verify `v1a` (Ed25519) webhook signatures, as a JWKS',
  description:
    'Every key that signs now, current first. After a rotation the old key keeps signing beside the new one until its ' +
    '`retiresAt`, so a receiver that fetches this set at least once a day never misses a key. Verify `v1a,<base64>` in ' +
    '`webhook-signature` over `{webhook-id}.{webhook-timestamp}.{body}` with any of these keys.',
  security: publicSecurity,
  responses: { 200: json(KeySetSchema, 'The key set'), ...readProblemResponses },
});

export function webhookSigningKeyRoutes(deps: Deps) {
  return createRouter().openapi(keySetRoute, async (c) => {
    const keys = await liveSigningKeys(deps);
    c.header('Cache-Control', 'public, max-age=300');
    return c.json({ keys: keys.map(publishedKey) }, 200);
  });
}
