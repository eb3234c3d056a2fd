import { createRoute } from '@hono/zod-openapi';
import { ProblemError } from '../../errors';
import { en } from '../../i18n/en';
import type { Deps } from '../../services';
import { subscriberLinks } from '../../subscribers/links';
import { unsubscribe } from '../../subscribers/manage';
import { preferencesOf } from '../../subscribers/preferences';
import { savePreferencesWithToken, subscriberFromToken, type TokenProblem } from '../../subscribers/token-subscriber';
import { createRouter, json, problemResponse, problemResponses, publicSecurity, readProblemResponses } from '../router';
import { PreferencesSchema, SubscriberPreferencesSchema, TokenQuerySchema } from './schema';

const tokenProblems = { 401: problemResponse('The token is not valid, or no longer is') };

const getRoute = createRoute({
  method: 'get',
  path: '/v1/preferences',
  operationId: 'getPreferences',
  security: publicSecurity,
  tags: ['Subscribers'],
  summary: "A subscriber's choices, by the token of their manage link",
  request: { query: TokenQuerySchema },
  responses: { 200: json(SubscriberPreferencesSchema, 'The stored choices'), ...readProblemResponses, ...tokenProblems },
});

const putRoute = createRoute({
  method: 'put',
  path: '/v1/preferences',
  operationId: 'replacePreferences',
  security: publicSecurity,
  tags: ['Subscribers'],
  summary: 'Replace the choices (countries, regions, categories, frequency, time zone, skip-empty)',
  request: { query: TokenQuerySchema, body: { required: true, content: { 'application/json': { schema: PreferencesSchema } } } },
  responses: { 200: json(SubscriberPreferencesSchema, 'The choices now stored'), ...problemResponses, ...tokenProblems },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/preferences',
  operationId: 'unsubscribeByToken',
  security: publicSecurity,
  tags: ['Subscribers'],
  summary: 'Unsubscribe: delete the subscriber, keeping only a hashed suppression entry',
  request: { query: TokenQuerySchema },
  responses: { 204: { description: 'Unsubscribed' }, ...problemResponses, ...tokenProblems },
});

export function preferenceRoutes(deps: Deps) {
  const refused = (problem: TokenProblem) =>
    new ProblemError({ type: 'invalid-token', title: 'This link is not valid', status: 401, detail: en.badLink[problem] });
  const manageToken = async (token: string) => {
    const found = await subscriberFromToken(deps, deps.db, token, 'manage');
    if (!found.ok) throw refused(found.problem);
    return found.subscriber;
  };
  const view = (s: Awaited<ReturnType<typeof manageToken>>) => ({
    email: s.email,
    status: s.status,
    preferences: preferencesOf(s),
    openpgp: { fingerprint: s.openpgp_fingerprint, pendingFingerprint: s.openpgp_pending_fingerprint },
    exportUrl: subscriberLinks(deps, s).exportData(),
  });

  return createRouter()
    .openapi(getRoute, async (c) => c.json(view(await manageToken(c.req.valid('query').token)), 200))
    .openapi(putRoute, async (c) => {
      const saved = await savePreferencesWithToken(deps, c.req.valid('query').token, c.req.valid('json'));
      if (!saved.ok) throw refused(saved.problem);
      return c.json(view(saved.subscriber), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const subscriber = await manageToken(c.req.valid('query').token);
      await unsubscribe(deps, subscriber.id);
      return c.body(null, 204);
    });
}
