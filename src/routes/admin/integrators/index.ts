import { createRoute } from '@hono/zod-openapi';
import {
  createIntegratorWithKey,
  deleteIntegrator,
  findIntegrator,
  listApiKeys,
  listIntegrators,
  revokeApiKey,
  rotateApiKey,
} from '../../../db/integrators';
import { problems } from '../../../errors';
import { newApiKey, newIntegratorId } from '../../../http/api-keys';
import type { Deps } from '../../../services';
import { adminProblemResponses, adminReadProblemResponses, adminSecurity, createRouter, json, problemResponse } from '../../router';
import {
  ApiKeyParamsSchema,
  IntegratorCreatedSchema,
  IntegratorCreateSchema,
  IntegratorListSchema,
  IntegratorParamsSchema,
  IntegratorSchema,
  integratorView,
  KeyRotatedSchema,
  KeyRotateSchema,
  keyView,
} from './schema';

const tags = ['Integrators'];
const notFound = problemResponse('No integrator has this id');
const noKey = problemResponse('No such integrator, or it has no key with this id (or the key no longer works)');
const jsonBody = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const createIntegratorRoute = createRoute({
  method: 'post',
  path: '/v1/admin/integrators',
  operationId: 'createIntegrator',
  tags,
  summary: 'Admit an integrator; the answer carries its first API key, shown only once',
  description: "An integrator's key manages only that integrator's webhook endpoints, deliveries and portal links.",
  security: adminSecurity,
  request: jsonBody(IntegratorCreateSchema),
  responses: { 201: json(IntegratorCreatedSchema, 'The integrator and its key'), ...adminProblemResponses },
});

const listIntegratorsRoute = createRoute({
  method: 'get',
  path: '/v1/admin/integrators',
  operationId: 'listIntegrators',
  tags,
  summary: 'Every integrator with its keys (prefix, state, last use; never the key itself)',
  security: adminSecurity,
  responses: { 200: json(IntegratorListSchema, 'The integrators'), ...adminReadProblemResponses },
});

const getIntegratorRoute = createRoute({
  method: 'get',
  path: '/v1/admin/integrators/{id}',
  operationId: 'getIntegrator',
  tags,
  summary: 'One integrator with its keys',
  security: adminSecurity,
  request: { params: IntegratorParamsSchema },
  responses: { 200: json(IntegratorSchema, 'The integrator'), ...adminReadProblemResponses, 404: notFound },
});

const deleteIntegratorRoute = createRoute({
  method: 'delete',
  path: '/v1/admin/integrators/{id}',
  operationId: 'deleteIntegrator',
  tags,
  summary: 'Remove an integrator with its keys, its endpoints and their delivery logs',
  security: adminSecurity,
  request: { params: IntegratorParamsSchema },
  responses: { 204: { description: 'Deleted' }, ...adminReadProblemResponses, 404: notFound },
});

const rotateKeyRoute = createRoute({
  method: 'post',
  path: '/v1/admin/integrators/{id}/keys/{keyId}/rotate',
  operationId: 'rotateIntegratorKey',
  tags,
  summary: 'A new API key (shown only once); the rotated one keeps working for the overlap, then answers 401',
  security: adminSecurity,
  request: { params: ApiKeyParamsSchema, ...jsonBody(KeyRotateSchema) },
  responses: { 201: json(KeyRotatedSchema, 'The new key and the rotated one'), ...adminProblemResponses, 404: noKey },
});

const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/admin/integrators/{id}/keys/{keyId}',
  operationId: 'revokeIntegratorKey',
  tags,
  summary: 'Revoke an API key now: requests with it answer 401 "The API key is revoked"',
  security: adminSecurity,
  request: { params: ApiKeyParamsSchema },
  responses: { 204: { description: 'Revoked (or already revoked)' }, ...adminReadProblemResponses, 404: noKey },
});

export function adminIntegratorRoutes({ db, clock, log }: Deps) {
  return createRouter()
    .openapi(createIntegratorRoute, async (c) => {
      const { name } = c.req.valid('json');
      const now = clock.now();
      const id = newIntegratorId();
      const { key, ...stored } = newApiKey();
      await createIntegratorWithKey(db, { id, name, key: stored, now });
      log.info({ integratorId: id, keyId: stored.id }, 'integrator created');
      const keys = await listApiKeys(db, [id]);
      return c.json(
        { ...integratorView({ id, name, created_at: now }, keys, now), key: { id: stored.id, prefix: stored.prefix, key } },
        201,
      );
    })
    .openapi(listIntegratorsRoute, async (c) => {
      const rows = await listIntegrators(db);
      const keys = await listApiKeys(
        db,
        rows.map((r) => r.id),
      );
      const now = clock.now();
      return c.json({ data: rows.map((r) => integratorView(r, keys, now)) }, 200);
    })
    .openapi(getIntegratorRoute, async (c) => {
      const row = await findIntegrator(db, c.req.valid('param').id);
      if (!row) throw problems.notFound('No integrator has this id.');
      return c.json(integratorView(row, await listApiKeys(db, [row.id]), clock.now()), 200);
    })
    .openapi(deleteIntegratorRoute, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deleteIntegrator(db, id))) throw problems.notFound('No integrator has this id.');
      log.info({ integratorId: id }, 'integrator deleted');
      return c.body(null, 204);
    })
    .openapi(rotateKeyRoute, async (c) => {
      const { id, keyId } = c.req.valid('param');
      const { overlapSeconds } = c.req.valid('json');
      const now = clock.now();
      const { key, ...stored } = newApiKey();
      const rotated = await rotateApiKey(db, {
        integratorId: id,
        keyId,
        key: stored,
        now,
        oldExpiresAt: new Date(now.getTime() + overlapSeconds * 1000),
      });
      if (!rotated) throw problems.notFound('This integrator has no working key with this id.');
      log.info({ integratorId: id, keyId, newKeyId: stored.id }, 'integrator key rotated');
      return c.json({ key: { id: stored.id, prefix: stored.prefix, key }, rotated: keyView(rotated, now) }, 201);
    })
    .openapi(revokeKeyRoute, async (c) => {
      const { id, keyId } = c.req.valid('param');
      if (!(await revokeApiKey(db, { integratorId: id, keyId, now: clock.now() }))) {
        throw problems.notFound('This integrator has no key with this id.');
      }
      log.info({ integratorId: id, keyId }, 'integrator key revoked');
      return c.body(null, 204);
    });
}
