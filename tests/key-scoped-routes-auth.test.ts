import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDeliveries } from '../src/db/webhook-deliveries';
import type { WebhookEndpointCreated } from '../src/routes/webhooks/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { makeIntegrator, rotateKey, withKey } from '../testkit/integrators';
import { startReceiver } from '../testkit/webhook-receiver';

/**
 * One suite for every route an integrator's API key may use, discovered from the generated
 * OpenAPI document (a new key-scoped route fails here until it has a sample request below):
 * who may call it, and that another integrator's key finds nothing and changes nothing.
 */
interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
}

/** A valid request body per key-scoped operation that takes one. */
const sampleBodies: Record<string, unknown> = {
  'POST /v1/webhooks': { url: 'http://127.0.0.1:9/new', description: 'made in the auth suite' },
  'PATCH /v1/webhooks/{id}': { description: 'changed' },
  'POST /v1/webhooks/{id}/replay': { since: 1 },
  'POST /v1/portal-links': {},
};

let t: TestApp;
let operations: Operation[];
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let owner: Awaited<ReturnType<typeof makeIntegrator>>;
let stranger: Awaited<ReturnType<typeof makeIntegrator>>;
let endpointId: string;
const deliveryId = 'msg_auth_suite_delivery';

const key = (op: Operation) => `${op.method} ${op.path}`;
const concrete = (path: string) => path.replace('{id}', endpointId).replace('{deliveryId}', deliveryId);
/** Everything an integrator's request could change about the owner's endpoint. */
const ownerState = async () => ({
  endpoint: await t.deps.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', endpointId).executeTakeFirst(),
  deliveries: await t.deps.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'status', 'attempts', 'next_attempt_at'])
    .where('endpoint_id', '=', endpointId)
    .orderBy('id')
    .execute(),
});

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' });
  receiver = await startReceiver({ status: () => 204 });
  owner = await makeIntegrator(t, 'Owner');
  stranger = await makeIntegrator(t, 'Stranger');
  const created = await withKey(t, owner.key)('POST', '/v1/webhooks', { url: receiver.url });
  endpointId = ((await created.json()) as WebhookEndpointCreated).id;
  await insertDeliveries(t.deps.db, [{ id: deliveryId, endpointId, changeId: null, type: 'ping', payload: '{}' }], t.clock.now());
  const doc = (await (await t.call('GET', '/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => JSON.stringify(op.security ?? []).includes('apiKey'))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, hasBody: op.requestBody !== undefined })),
  );
  // Deleting goes last: the owner's own requests run in this order.
  operations.sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
});
afterAll(async () => {
  await t.deps.webhookPump.idle();
  await receiver.close();
  await t.close();
});

describe('every route an API key may use', () => {
  it('is found in the OpenAPI document, each with a sample request here', () => {
    expect(operations.map(key)).toEqual(
      expect.arrayContaining([
        'GET /v1/webhooks',
        'POST /v1/webhooks/{id}/rotate-secret',
        'POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry',
      ]),
    );
    for (const op of operations.filter((o) => o.hasBody)) expect(sampleBodies, key(op)).toHaveProperty([key(op)]);
  });

  it('answers 401 problem+json without a key, with an unknown, a revoked or an expired one, and changes nothing', async () => {
    const revoked = await makeIntegrator(t, 'Revoked');
    await t.call('DELETE', `/v1/admin/integrators/${revoked.id}/keys/${revoked.keyId}`, undefined, { admin: true });
    const expiring = await makeIntegrator(t, 'Expired');
    await rotateKey(t, expiring.id, expiring.keyId, 0);
    const before = await ownerState();
    const cases: [string | undefined, RegExp][] = [
      [undefined, /unauthorized$/],
      [`tak_${'Z'.repeat(43)}`, /unauthorized$/],
      [revoked.key, /api-key-revoked$/],
      [expiring.key, /api-key-expired$/],
    ];
    for (const op of operations) {
      for (const [token, type] of cases) {
        const res = await t.app.request(concrete(op.path), {
          method: op.method,
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          ...(sampleBodies[key(op)] ? { body: JSON.stringify(sampleBodies[key(op)]) } : {}),
        });
        expect(res.status, `${key(op)} ${token?.slice(0, 12)}`).toBe(401);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(((await res.json()) as { type: string }).type).toMatch(type);
      }
    }
    expect(await ownerState()).toEqual(before);
  });

  it("answers 404 to another integrator's key for the owner's resources, and changes nothing", async () => {
    const before = await ownerState();
    const asStranger = withKey(t, stranger.key);
    for (const op of operations.filter((o) => o.path.includes('{id}'))) {
      const res = await asStranger(op.method, concrete(op.path), sampleBodies[key(op)]);
      expect(res.status, key(op)).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    const list = (await (await asStranger('GET', '/v1/webhooks')).json()) as { data: { id: string }[] };
    expect(list.data.map((e) => e.id)).not.toContain(endpointId);
    expect(await ownerState()).toEqual(before);
  });

  it("answers the owner's key and the admin token with success on every one", async () => {
    const asOwner = withKey(t, owner.key);
    for (const op of operations) {
      const res = await asOwner(op.method, concrete(op.path), sampleBodies[key(op)]);
      expect(res.status, `${key(op)} ${await res.clone().text()}`).toBeLessThan(300);
      await t.deps.webhookPump.idle();
    }
    const list = await t.call('GET', '/v1/webhooks', undefined, { admin: true });
    expect(list.status).toBe(200);
  });
});
