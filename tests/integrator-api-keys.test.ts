import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integrator, IntegratorList } from '../src/routes/admin/integrators/schema';
import type { WebhookEndpointCreated, WebhookEndpointList } from '../src/routes/webhooks/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { makeIntegrator, rotateKey, withKey } from '../testkit/integrators';

let t: TestApp;
/** A second instance on the same database. */
let other: TestApp;

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' });
  other = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' }, t.database);
});
afterAll(async () => {
  await t.deps.webhookPump.idle();
  await t.close();
});

const problemOf = async (res: Response) => {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as { type: string; title: string; detail: string; errors?: { path: string }[] };
};

describe('integrator API keys', () => {
  it('are shown once, recognisable by their prefix, stored only as a hash, and never listed or logged', async () => {
    const made = await makeIntegrator(t, 'Newsroom data desk');
    expect(made.key).toMatch(/^tak_[A-Za-z0-9_-]{43}$/);
    const rows = await t.deps.db.selectFrom('api_keys').selectAll().where('integrator_id', '=', made.id).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(made.key.slice(12));
    expect(rows[0]!.prefix).toBe(made.key.slice(0, 12));

    const list = (await (await t.call('GET', '/v1/admin/integrators', undefined, { admin: true })).json()) as IntegratorList;
    const listed = list.data.find((i) => i.id === made.id)!;
    expect(listed).toMatchObject({
      name: 'Newsroom data desk',
      keys: [{ id: made.keyId, prefix: made.key.slice(0, 12), state: 'active' }],
    });
    expect(JSON.stringify(list)).not.toContain(made.key);
    expect(t.logs.lines.join('\n')).not.toContain(made.key.slice(4));
  });

  it('record when they were last used', async () => {
    const made = await makeIntegrator(t, 'Last used');
    expect((await withKey(t, made.key)('GET', '/v1/webhooks')).status).toBe(200);
    const got = (await (await t.call('GET', `/v1/admin/integrators/${made.id}`, undefined, { admin: true })).json()) as Integrator;
    expect(got.keys[0]!.lastUsedAt).toBe(t.clock.now().toISOString());
  });

  it('manage only their own endpoints; the admin token still sees every one', async () => {
    const a = await makeIntegrator(t, 'A');
    const b = await makeIntegrator(t, 'B');
    const asA = withKey(t, a.key);
    const asB = withKey(t, b.key);
    const created = await asA('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/a', description: 'A bot' });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as WebhookEndpointCreated;
    expect(endpoint.integratorId).toBe(a.id);

    const listA = (await (await asA('GET', '/v1/webhooks')).json()) as WebhookEndpointList;
    expect(listA.data.map((e) => e.id)).toEqual([endpoint.id]);
    const listB = (await (await asB('GET', '/v1/webhooks')).json()) as WebhookEndpointList;
    expect(listB.data).toEqual([]);
    const all = (await (await t.call('GET', '/v1/webhooks', undefined, { admin: true })).json()) as WebhookEndpointList;
    expect(all.data.map((e) => e.id)).toContain(endpoint.id);

    const res = await asB('DELETE', `/v1/webhooks/${endpoint.id}`);
    expect(res.status).toBe(404);
    expect((await problemOf(res)).title).toBe('Not found');
    expect((await asA('GET', `/v1/webhooks/${endpoint.id}`)).status).toBe(200);
    expect((await t.call('PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false }, { admin: true })).status).toBe(200);
  });

  it('answer 401 with a clear title once revoked, and an unknown or mangled key 401 too', async () => {
    const made = await makeIntegrator(t, 'Revoked');
    const revoke = await t.call('DELETE', `/v1/admin/integrators/${made.id}/keys/${made.keyId}`, undefined, { admin: true });
    expect(revoke.status).toBe(204);
    const res = await withKey(t, made.key)('GET', '/v1/webhooks');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const problem = await problemOf(res);
    expect(problem.title).toBe('The API key is revoked');
    expect(problem.type).toMatch(/api-key-revoked$/);

    const mangled = `${made.key.slice(0, -1)}${made.key.endsWith('A') ? 'B' : 'A'}`;
    for (const key of [mangled, 'tak_short', `tak_${'x'.repeat(43)}`]) {
      const unknown = await withKey(t, key)('GET', '/v1/webhooks');
      expect(unknown.status, key).toBe(401);
      expect((await problemOf(unknown)).title).toBe('Authentication required');
    }
  });

  it('rotate with an overlap: both keys work until it ends, then the old one answers 401 "expired"', async () => {
    const made = await makeIntegrator(t, 'Rotating');
    const rotated = await rotateKey(t, made.id, made.keyId, 3600);
    expect(rotated.rotated).toMatchObject({ id: made.keyId, state: 'expiring' });
    expect(rotated.key.key).not.toBe(made.key);
    expect((await withKey(t, made.key)('GET', '/v1/webhooks')).status).toBe(200);
    expect((await withKey(t, rotated.key.key)('GET', '/v1/webhooks')).status).toBe(200);

    const start = t.clock.now();
    t.clock.set(new Date(start.getTime() + 3601_000));
    try {
      const old = await withKey(t, made.key)('GET', '/v1/webhooks');
      expect(old.status).toBe(401);
      expect((await problemOf(old)).title).toBe('The API key has expired');
      expect((await withKey(t, rotated.key.key)('GET', '/v1/webhooks')).status).toBe(200);
      // A key that no longer works cannot be rotated again.
      const again = await t.call('POST', `/v1/admin/integrators/${made.id}/keys/${made.keyId}/rotate`, {}, { admin: true });
      expect(again.status).toBe(404);
    } finally {
      t.clock.set(start);
    }
  });

  it('are rate-limited per key, counted across instances sharing the database, with Retry-After', async () => {
    const made = await makeIntegrator(t, 'Busy');
    const calm = await makeIntegrator(t, 'Calm');
    for (const app of [t, other]) app.deps.rateLimits.perApiKey = { points: 4, durationMs: 60_000 };
    other.clock.set(t.clock.now());
    const statuses: number[] = [];
    for (const app of [t, other, t, other, t]) statuses.push((await withKey(app, made.key)('GET', '/v1/webhooks')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const limited = await withKey(other, made.key)('GET', '/v1/webhooks');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await withKey(t, calm.key)('GET', '/v1/webhooks')).status).toBe(200);
    // The admin token is not limited by keys.
    expect((await t.call('GET', '/v1/webhooks', undefined, { admin: true })).status).toBe(200);
  });

  it('refuse bad admin input with problem+json naming the field, and unknown integrators or keys with 404', async () => {
    const empty = await t.call('POST', '/v1/admin/integrators', { name: '  ' }, { admin: true });
    expect(empty.status).toBe(422);
    expect((await problemOf(empty)).errors?.map((e) => e.path)).toEqual(['name']);
    const overlap = await t.call('POST', '/v1/admin/integrators/int_x/keys/key_x/rotate', { overlapSeconds: -1 }, { admin: true });
    expect(overlap.status).toBe(422);
    expect((await problemOf(overlap)).errors?.map((e) => e.path)).toEqual(['overlapSeconds']);
    const made = await makeIntegrator(t, 'Other keys');
    const stranger = await makeIntegrator(t, 'Stranger');
    expect((await t.call('DELETE', `/v1/admin/integrators/${made.id}/keys/${stranger.keyId}`, undefined, { admin: true })).status).toBe(
      404,
    );
    expect((await withKey(t, stranger.key)('GET', '/v1/webhooks')).status).toBe(200);
    expect((await t.call('GET', '/v1/admin/integrators/int_nobody', undefined, { admin: true })).status).toBe(404);
  });

  it('die with their integrator, and its endpoints with it', async () => {
    const made = await makeIntegrator(t, 'Leaving');
    const created = (await (
      await withKey(t, made.key)('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/x' })
    ).json()) as WebhookEndpointCreated;
    expect((await t.call('DELETE', `/v1/admin/integrators/${made.id}`, undefined, { admin: true })).status).toBe(204);
    expect((await withKey(t, made.key)('GET', '/v1/webhooks')).status).toBe(401);
    expect((await t.call('GET', `/v1/webhooks/${created.id}`, undefined, { admin: true })).status).toBe(404);
  });
});
