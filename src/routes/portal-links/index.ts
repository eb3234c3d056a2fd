import { createRoute, z } from '@hono/zod-openapi';
import { findIntegrator } from '../../db/integrators';
import { problems } from '../../errors';
import { principalOf, requireAdminOrApiKey } from '../../http/key-auth';
import { createPortalTokens, PORTAL_LINK_TTL_MS } from '../../http/portal-tokens';
import type { Deps } from '../../services';
import { createRouter, json, keyProblemResponses, keySecurity, problemResponse } from '../router';

const PortalLinkRequestSchema = z
  .strictObject({
    integratorId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'Whose portal: required with the admin token; with an API key, its own (the default)' }),
  })
  .openapi('PortalLinkRequest');

const PortalLinkSchema = z
  .object({
    url: z.string().openapi({ example: 'https://alerts.example.org/portal?token=eyJrIjoibGluayJ9.c2lnbmF0dXJl' }),
    expiresAt: z.string().openapi({ format: 'date-time', description: 'The link must be opened before then (15 minutes)' }),
  })
  .openapi('PortalLink');

const mintRoute = createRoute({
  method: 'post',
  path: '/v1/portal-links',
  operationId: 'createPortalLink',
  tags: ['Integrators'],
  summary: "A short-lived signed link to an integrator's consumer portal (endpoints, deliveries, event catalogue)",
  description:
    'Open it in a browser within 15 minutes: it starts a one-hour portal session (a cookie) for that integrator only. ' +
    'Give it to the integrator, or embed its URL in your own dashboard.',
  security: keySecurity,
  request: { body: { required: true, content: { 'application/json': { schema: PortalLinkRequestSchema } } } },
  responses: {
    201: json(PortalLinkSchema, 'The link'),
    ...keyProblemResponses,
    404: problemResponse('No integrator has this id'),
  },
});

export function portalLinkRoutes(deps: Deps) {
  const tokens = createPortalTokens(deps.appSecret);
  const router = createRouter();
  router.use('/v1/portal-links', requireAdminOrApiKey(deps));
  return router.openapi(mintRoute, async (c) => {
    const principal = principalOf(c);
    const { integratorId } = c.req.valid('json');
    if (principal.kind === 'admin' && integratorId === undefined) {
      throw problems.validation(422, [
        { path: 'integratorId', pointer: '#/integratorId', message: 'name the integrator whose portal this opens' },
      ]);
    }
    const id = principal.kind === 'integrator' ? principal.integratorId : integratorId!;
    if ((integratorId !== undefined && integratorId !== id) || !(await findIntegrator(deps.db, id))) {
      throw problems.notFound('No integrator has this id.');
    }
    const expiresAt = new Date(deps.clock.now().getTime() + PORTAL_LINK_TTL_MS);
    const url = new URL('/portal', deps.config.publicBaseUrl);
    url.searchParams.set('token', tokens.sign('link', id, expiresAt));
    deps.log.info({ integratorId: id }, 'portal link made');
    return c.json({ url: url.href, expiresAt: expiresAt.toISOString() }, 201);
  });
}
