import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { checkWebhookUrl } from '../../alerts/webhooks/http/safe-url';
import { newDeliveryId, pingBody } from '../../alerts/webhooks/payload';
import { firstSecret, rotateSecrets } from '../../alerts/webhooks/secrets';
import { sendToEndpoint } from '../../alerts/webhooks/send';
import { openSigningKeys } from '../../alerts/webhooks/signing-keys';
import { type AnyChangeType, allChangeTypes } from '../../db/change-types';
import { findDelivery, listDeliveries, requeueDelivery } from '../../db/webhook-deliveries';
import {
  deleteEndpoint,
  type EndpointRow,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  lockEndpoint,
  updateEndpoint,
} from '../../db/webhook-endpoints';
import { ProblemError, problems } from '../../errors';
import { ownedBy, type Principal, principalOf, requireAdminOrApiKey } from '../../http/key-auth';
import type { Deps } from '../../services';
import { createRouter, json, keyProblemResponses, keyReadProblemResponses, keySecurity, problemResponse } from '../router';
import { replayChanges } from './replay';
import {
  DeliveryListQuerySchema,
  DeliveryPageSchema,
  DeliveryParamsSchema,
  EndpointParamsSchema,
  encodeDeliveryCursor,
  ReplayRequestSchema,
  ReplayResultSchema,
  RetryAcceptedSchema,
  RotatedSecretSchema,
  TestResultSchema,
  type WebhookEndpoint,
  WebhookEndpointCreatedSchema,
  WebhookEndpointCreateSchema,
  WebhookEndpointListSchema,
  WebhookEndpointPatchSchema,
  WebhookEndpointSchema,
} from './schema';

const tags = ['Webhooks'];
const notFound = problemResponse('No webhook endpoint has this id');
const jsonBody = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const createEndpointRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks',
  operationId: 'createWebhookEndpoint',
  tags,
  summary: 'Register a webhook endpoint; the answer carries its signing secret, shown only once',
  description:
    'The URL must be https (http only with WEBHOOK_ALLOW_PRIVATE_NETWORKS=1). Its host is resolved and every address ' +
    'checked: loopback, private, link-local, CGNAT, multicast, unspecified and cloud-metadata addresses are refused (422 naming `url`). ' +
    'Filters are optional and empty means all: `types` (change types), `countries` (ISO alpha-3), `categories` (category or factor ids).',
  security: keySecurity,
  request: jsonBody(WebhookEndpointCreateSchema),
  responses: { 201: json(WebhookEndpointCreatedSchema, 'The endpoint, with its secret'), ...keyProblemResponses },
});

const listEndpointsRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks',
  operationId: 'listWebhookEndpoints',
  tags,
  summary: 'Every webhook endpoint, oldest first (secrets are never shown again)',
  security: keySecurity,
  responses: { 200: json(WebhookEndpointListSchema, 'The endpoints'), ...keyReadProblemResponses },
});

const getEndpointRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}',
  operationId: 'getWebhookEndpoint',
  tags,
  summary: 'One webhook endpoint',
  security: keySecurity,
  request: { params: EndpointParamsSchema },
  responses: { 200: json(WebhookEndpointSchema, 'The endpoint'), ...keyReadProblemResponses, 404: notFound },
});

const patchEndpointRoute = createRoute({
  method: 'patch',
  path: '/v1/webhooks/{id}',
  operationId: 'updateWebhookEndpoint',
  tags,
  summary: 'Change an endpoint: url (checked again), filters, description, enabled',
  description: 'Enabling an endpoint clears why it was disabled and its failure streak. Only the fields sent change.',
  security: keySecurity,
  request: { params: EndpointParamsSchema, ...jsonBody(WebhookEndpointPatchSchema) },
  responses: { 200: json(WebhookEndpointSchema, 'The endpoint as it is now'), ...keyProblemResponses, 404: notFound },
});

const deleteEndpointRoute = createRoute({
  method: 'delete',
  path: '/v1/webhooks/{id}',
  operationId: 'deleteWebhookEndpoint',
  tags,
  summary: 'Delete an endpoint and its delivery log',
  security: keySecurity,
  request: { params: EndpointParamsSchema },
  responses: { 204: { description: 'Deleted' }, ...keyProblemResponses, 404: notFound },
});

const rotateSecretRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  tags,
  summary: 'A new signing secret; the previous ones keep signing (as extra v1 signatures) for 24 h',
  security: keySecurity,
  request: { params: EndpointParamsSchema },
  responses: { 200: json(RotatedSecretSchema, 'The new secret, shown only here'), ...keyProblemResponses, 404: notFound },
});

const testEndpointRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/test',
  operationId: 'testWebhookEndpoint',
  tags,
  summary: "Send a signed `ping` now and answer the receiver's status and latency",
  description:
    'Answers 200 whatever the receiver did: `ok` says whether it answered 2xx, `error` what went wrong otherwise. Works on disabled endpoints too.',
  security: keySecurity,
  request: { params: EndpointParamsSchema },
  responses: { 200: json(TestResultSchema, 'What the receiver answered'), ...keyProblemResponses, 404: notFound },
});

const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/webhooks/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  tags,
  summary: 'The delivery log of an endpoint, newest first: change, status, attempts (status code, latency, error), next retry',
  security: keySecurity,
  request: { params: EndpointParamsSchema, query: DeliveryListQuerySchema },
  responses: { 200: json(DeliveryPageSchema, 'A page of deliveries'), ...keyReadProblemResponses, 404: notFound },
});

const retryDeliveryRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/deliveries/{deliveryId}/retry',
  operationId: 'retryWebhookDelivery',
  tags,
  summary: 'Deliver again now, with the same webhook-id',
  security: keySecurity,
  request: { params: DeliveryParamsSchema },
  responses: {
    202: json(RetryAcceptedSchema, 'Queued: the dispatcher sends it at once'),
    ...keyProblemResponses,
    404: problemResponse('No such endpoint, or no delivery with this id for it'),
    409: problemResponse('The endpoint is disabled: enable it first'),
  },
});

const replayRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/{id}/replay',
  operationId: 'replayWebhookChanges',
  tags,
  summary: 'Queue again every change since a time or change id (and before `until`) that this endpoint wants (recovery after an outage)',
  description:
    'Changes already delivered (or tried) are queued again under their original webhook-id, so receivers that ' +
    'deduplicate by webhook-id stay correct; changes the endpoint never got (it did not exist yet, or its filters ' +
    'were different) are queued as new deliveries carrying the event as it is now. Matching uses the current filters.',
  security: keySecurity,
  request: { params: EndpointParamsSchema, ...jsonBody(ReplayRequestSchema) },
  responses: {
    202: json(ReplayResultSchema, 'How many deliveries were queued'),
    ...keyProblemResponses,
    404: notFound,
    409: problemResponse('The endpoint is disabled: enable it first'),
  },
});

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function endpointView(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    integratorId: row.integrator_id,
    url: row.url,
    types: allChangeTypes.filter((t) => row.types.includes(t)),
    countries: row.countries,
    categories: row.categories,
    description: row.description,
    signatures: row.signature_schemes,
    rateLimit: row.rate_limit,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    failingSince: iso(row.failing_since),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const newEndpointId = () => `ep_${randomBytes(12).toString('base64url')}`;

const endpointDisabled = () =>
  new ProblemError({
    type: 'webhook-endpoint-disabled',
    title: 'The webhook endpoint is disabled',
    status: 409,
    detail: 'Enable it first (PATCH {"enabled": true}); a ping with POST .../test works on a disabled endpoint.',
  });

export function webhookRoutes(deps: Deps) {
  const { db, clock } = deps;

  /** The SSRF check at registration: a refusal is a 422 naming `url`, with the reason. */
  async function checkedUrl(url: string): Promise<string> {
    const check = await checkWebhookUrl(url, {
      allowPrivateNetworks: deps.config.webhookAllowPrivateNetworks,
      allowedPorts: deps.config.webhookAllowedPorts,
      resolve: deps.webhookHttp.resolve,
    });
    if (!check.ok) throw problems.validation(422, [{ path: 'url', pointer: '#/url', message: check.reason }]);
    return check.url.href;
  }

  /** Another integrator's endpoint answers as if it did not exist. */
  function visible(principal: Principal, endpoint: EndpointRow | undefined): EndpointRow {
    if (!endpoint || !ownedBy(principal, endpoint.integrator_id)) throw problems.notFound('No webhook endpoint has this id.');
    return endpoint;
  }

  const endpointOr404 = async (principal: Principal, id: string) => visible(principal, await findEndpoint(db, id));

  const router = createRouter();
  router.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: "An integrator's API key (tak_…), made by the operator: it manages only that integrator's endpoints",
  });
  // Matches /v1/webhooks itself too; a second use for it would count each request twice.
  router.use('/v1/webhooks/*', requireAdminOrApiKey(deps));

  return router
    .openapi(createEndpointRoute, async (c) => {
      const body = c.req.valid('json');
      const url = await checkedUrl(body.url);
      const now = clock.now();
      const { secret, secrets } = firstSecret(deps.appSecret);
      const principal = principalOf(c);
      const row: EndpointRow = {
        id: newEndpointId(),
        integrator_id: principal.kind === 'integrator' ? principal.integratorId : null,
        url,
        description: body.description ?? null,
        types: body.types ?? [],
        countries: body.countries ?? [],
        categories: body.categories ?? [],
        signature_schemes: body.signatures ?? ['v1'],
        rate_limit: body.rateLimit ?? null,
        enabled: true,
        disabled_reason: null,
        secrets,
        failing_since: null,
        created_at: now,
        updated_at: now,
      };
      await insertEndpoint(db, { ...row, secrets: JSON.stringify(row.secrets) });
      // Only the origin: Slack- and Discord-style URLs carry their credential in the path or query.
      deps.log.info({ endpointId: row.id, origin: new URL(url).origin }, 'webhook endpoint created');
      return c.json({ ...endpointView(row), secret }, 201);
    })
    .openapi(listEndpointsRoute, async (c) => {
      const principal = principalOf(c);
      const rows = await listEndpoints(db, principal.kind === 'integrator' ? principal.integratorId : undefined);
      return c.json({ data: rows.map(endpointView) }, 200);
    })
    .openapi(getEndpointRoute, async (c) => {
      return c.json(endpointView(await endpointOr404(principalOf(c), c.req.valid('param').id)), 200);
    })
    .openapi(patchEndpointRoute, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      await endpointOr404(principalOf(c), id);
      const url = body.url === undefined ? undefined : await checkedUrl(body.url);
      const enabling = body.enabled === true ? { enabled: true, disabled_reason: null, failing_since: null } : {};
      const disabling = body.enabled === false ? { enabled: false, disabled_reason: 'disabled by an operator' } : {};
      await updateEndpoint(db, id, {
        ...(url !== undefined ? { url } : {}),
        ...(body.types !== undefined ? { types: body.types as AnyChangeType[] } : {}),
        ...(body.countries !== undefined ? { countries: body.countries } : {}),
        ...(body.categories !== undefined ? { categories: body.categories } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.signatures !== undefined ? { signature_schemes: body.signatures } : {}),
        ...(body.rateLimit !== undefined ? { rate_limit: body.rateLimit } : {}),
        ...enabling,
        ...disabling,
        updated_at: clock.now(),
      });
      const updated = await endpointOr404(principalOf(c), id);
      deps.log.info(
        { endpointId: id, fields: Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined) },
        'webhook endpoint changed',
      );
      return c.json(endpointView(updated), 200);
    })
    .openapi(deleteEndpointRoute, async (c) => {
      const { id } = c.req.valid('param');
      const principal = principalOf(c);
      const owner = principal.kind === 'integrator' ? principal.integratorId : undefined;
      if (!(await deleteEndpoint(db, id, owner))) throw problems.notFound('No webhook endpoint has this id.');
      deps.log.info({ endpointId: id }, 'webhook endpoint deleted');
      return c.body(null, 204);
    })
    .openapi(rotateSecretRoute, async (c) => {
      const { id } = c.req.valid('param');
      const secret = await db.transaction().execute(async (trx) => {
        const endpoint = visible(principalOf(c), await lockEndpoint(trx, id));
        const now = clock.now();
        const rotated = rotateSecrets(deps.appSecret, endpoint.secrets, now);
        await updateEndpoint(trx, id, { secrets: JSON.stringify(rotated.secrets), updated_at: now });
        return rotated.secret;
      });
      deps.log.info({ endpointId: id }, 'webhook secret rotated');
      return c.json({ secret }, 200);
    })
    .openapi(testEndpointRoute, async (c) => {
      const endpoint = await endpointOr404(principalOf(c), c.req.valid('param').id);
      const deliveryId = newDeliveryId();
      const asymmetricKeys = endpoint.signature_schemes.includes('v1a') ? await openSigningKeys(deps) : undefined;
      const ping = { id: deliveryId, body: pingBody(endpoint.id, clock.now()) };
      const sent = await sendToEndpoint(deps, endpoint, ping, undefined, undefined, asymmetricKeys);
      const ok = sent.error === null && sent.statusCode !== null && sent.statusCode >= 200 && sent.statusCode < 300;
      const error = sent.error ?? (ok ? undefined : `the receiver answered ${sent.statusCode}`);
      deps.log.info(
        { endpointId: endpoint.id, deliveryId, statusCode: sent.statusCode, latencyMs: sent.latencyMs, error: sent.error },
        'webhook ping sent',
      );
      return c.json(
        { deliveryId, ok, statusCode: sent.statusCode, latencyMs: sent.latencyMs, ...(error !== undefined ? { error } : {}) },
        200,
      );
    })
    .openapi(listDeliveriesRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      await endpointOr404(principalOf(c), id);
      const rows = await listDeliveries(db, { endpointId: id, limit: limit + 1, before: cursor });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor = rows.length > limit && last ? encodeDeliveryCursor({ createdAt: last.created_at, id: last.id }) : null;
      const data = page.map((d) => ({
        id: d.id,
        changeId: d.change_id,
        type: d.type,
        status: d.status,
        attempts: d.attempts,
        nextAttemptAt: d.status === 'pending' ? d.next_attempt_at.toISOString() : null,
        lastStatus: d.last_status,
        lastError: d.last_error,
        createdAt: d.created_at.toISOString(),
        deliveredAt: iso(d.delivered_at),
        attemptLog: d.attempts_log.map((a) => ({
          at: a.attempted_at.toISOString(),
          statusCode: a.status_code,
          latencyMs: a.latency_ms,
          error: a.error,
        })),
      }));
      return c.json({ data, nextCursor }, 200);
    })
    .openapi(retryDeliveryRoute, async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      const endpoint = await endpointOr404(principalOf(c), id);
      const delivery = await findDelivery(db, id, deliveryId);
      if (!delivery) throw problems.notFound('This endpoint has no delivery with this id.');
      if (!endpoint.enabled) throw endpointDisabled();
      const now = clock.now();
      await db.transaction().execute((trx) => requeueDelivery(trx, deliveryId, now)); // wakes other instances at commit
      deps.webhookPump.kick();
      deps.log.info({ endpointId: id, deliveryId }, 'webhook delivery re-queued');
      return c.json({ deliveryId, status: 'pending' as const, nextAttemptAt: now.toISOString() }, 202);
    })
    .openapi(replayRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { since, until } = c.req.valid('json');
      const queued = await db.transaction().execute(async (trx) => {
        const endpoint = visible(principalOf(c), await lockEndpoint(trx, id));
        if (!endpoint.enabled) throw endpointDisabled();
        return replayChanges(trx, endpoint, since, clock.now(), until);
      });
      if (queued > 0) deps.webhookPump.kick();
      deps.log.info(
        { endpointId: id, since: 'changeId' in since ? since.changeId : since.at.toISOString(), queued },
        'webhook replay queued',
      );
      return c.json({ queued }, 202);
    });
}
