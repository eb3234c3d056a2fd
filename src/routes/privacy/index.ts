import { createRoute } from '@hono/zod-openapi';
import { findSubscriber } from '../../db/subscribers';
import { ProblemError } from '../../errors';
import { en } from '../../i18n/en';
import type { Deps } from '../../services';
import { subscriberExport } from '../../subscribers/export';
import { keyStatusOf, offerKey, offerRefusalText, removeKey } from '../../subscribers/openpgp';
import { subscriberFromToken, type TokenProblem } from '../../subscribers/token-subscriber';
import { TokenQuerySchema } from '../preferences/schema';
import { createRouter, json, problemResponse, problemResponses, publicSecurity, readProblemResponses } from '../router';
import { ExportTokenQuerySchema, KeyStatusSchema, OpenpgpKeyRequestSchema, SubscriberExportSchema } from './schema';

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

const tokenProblems = { 401: problemResponse('The token is not valid, or no longer is') };

const putKeyRoute = createRoute({
  method: 'put',
  operationId: 'offerOpenpgpKey',
  path: '/v1/preferences/openpgp-key',
  tags: ['Subscribers'],
  summary: 'Give (or replace) the OpenPGP public key every email is encrypted to; it counts once its encrypted confirmation is followed',
  security: publicSecurity,
  request: {
    query: TokenQuerySchema,
    body: { required: true, content: { 'application/json': { schema: OpenpgpKeyRequestSchema } } },
  },
  responses: {
    202: json(KeyStatusSchema, 'Checked and waiting: a confirmation encrypted to the key is on its way'),
    ...problemResponses,
    ...tokenProblems,
    409: problemResponse('The subscription is not confirmed yet'),
    503: problemResponse('This server cannot send encrypted email (no SMTP relay)'),
  },
});

const deleteKeyRoute = createRoute({
  method: 'delete',
  operationId: 'removeOpenpgpKey',
  path: '/v1/preferences/openpgp-key',
  tags: ['Subscribers'],
  summary: 'Remove the key (and any key waiting for confirmation): email goes in clear again',
  security: publicSecurity,
  request: { query: TokenQuerySchema },
  responses: { 204: { description: 'Removed' }, ...readProblemResponses, ...tokenProblems },
});

/** A subscriber's privacy controls: the data export and their OpenPGP key. */
export function privacyRoutes(deps: Deps) {
  const refused = (problem: TokenProblem) =>
    new ProblemError({ type: 'invalid-token', title: 'This link is not valid', status: 401, detail: en.badLink[problem] });
  const byToken = async (token: string, purpose: 'manage' | 'export') => {
    const found = await subscriberFromToken(deps, deps.db, token, purpose);
    if (!found.ok) throw refused(found.problem);
    return found.subscriber;
  };
  return createRouter()
    .openapi(exportRoute, async (c) => {
      const data = await subscriberExport(deps, await byToken(c.req.valid('query').token, 'export'));
      c.header('Content-Disposition', 'attachment; filename="tracker-alerts-my-data.json"');
      c.header('Cache-Control', 'no-store');
      return c.json(data, 200);
    })
    .openapi(putKeyRoute, async (c) => {
      const subscriber = await byToken(c.req.valid('query').token, 'manage');
      const offered = await offerKey(deps, subscriber, c.req.valid('json').publicKey);
      if (!offered.ok) {
        const detail = offerRefusalText[offered.reason];
        if (offered.reason === 'transport-cannot-encrypt')
          throw new ProblemError({ type: 'encryption-unavailable', title: 'Encrypted email is not available here', status: 503, detail });
        if (offered.reason === 'not-confirmed')
          throw new ProblemError({ type: 'not-confirmed', title: 'Confirm your alerts first', status: 409, detail });
        throw new ProblemError({
          type: `openpgp-key-${offered.reason}`,
          title: 'This key cannot be used',
          status: 422,
          detail,
          errors: [{ path: 'publicKey', pointer: '#/publicKey', message: detail }],
        });
      }
      const now = (await findSubscriber(deps.db, subscriber.id)) ?? subscriber;
      return c.json(keyStatusOf(now), 202);
    })
    .openapi(deleteKeyRoute, async (c) => {
      await removeKey(deps, await byToken(c.req.valid('query').token, 'manage'));
      return c.body(null, 204);
    });
}
