import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchDue } from '../src/alerts/webhooks/delivery-loop';
import { newDeliveryId, pingBody } from '../src/alerts/webhooks/payload';
import { insertDeliveries } from '../src/db/webhook-deliveries';
import type { WebhookEndpoint, WebhookEndpointCreated } from '../src/routes/webhooks/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { onPostgres } from '../testkit/db';
import { sampleEvent } from '../testkit/events';
import { startReceiver } from '../testkit/webhook-receiver';

// Throttling is about real seconds: these instances' clocks run with real time.
let t: TestApp;
const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' }, undefined, { clock: 'running' });
});
afterAll(async () => {
  await t.deps.webhookPump.idle();
  await Promise.all(receivers.map((r) => r.close()));
  await t.close();
});

const receiver = async () => {
  const r = await startReceiver();
  receivers.push(r);
  return r;
};

async function createEndpoint(app: TestApp, body: Record<string, unknown>): Promise<WebhookEndpointCreated> {
  const res = await app.call('POST', '/v1/webhooks', body, { admin: true });
  expect(res.status).toBe(201);
  return (await res.json()) as WebhookEndpointCreated;
}

/**
 * When each webhook request of the app started, by URL: the throttle spaces starts (arrivals
 * add the network's and the receiver's jitter on top).
 */
function recordStarts(app: TestApp): Map<string, number[]> {
  const starts = new Map<string, number[]>();
  const client = app.deps.webhookHttp;
  app.deps.webhookHttp = {
    resolve: client.resolve,
    openConnections() {
      const connections = client.openConnections();
      return {
        post(request) {
          starts.set(request.url.href, [...(starts.get(request.url.href) ?? []), performance.now()]);
          return connections.post(request);
        },
        close: () => connections.close(),
      };
    },
  };
  return starts;
}

/** The most requests that started within any `windowMs`. */
function mostWithin(arrivals: readonly number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

async function until(check: () => boolean, ms: number) {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the per-endpoint throttle (deliveries per second)', () => {
  it('is set, shown, changed and removed through the API; bad values are 422 naming rateLimit', async () => {
    const r = await receiver();
    const made = await createEndpoint(t, { url: r.url, rateLimit: 5 });
    expect(made.rateLimit).toBe(5);
    const unlimited = await createEndpoint(t, { url: r.url });
    expect(unlimited.rateLimit).toBeNull();
    const patch = (body: unknown) => t.call('PATCH', `/v1/webhooks/${made.id}`, body, { admin: true });
    expect(((await (await patch({ rateLimit: 20 })).json()) as WebhookEndpoint).rateLimit).toBe(20);
    expect(((await (await t.call('GET', `/v1/webhooks/${made.id}`, undefined, { admin: true })).json()) as WebhookEndpoint).rateLimit).toBe(
      20,
    );
    expect(((await (await patch({ rateLimit: null })).json()) as WebhookEndpoint).rateLimit).toBeNull();
    for (const bad of [0, -1, 1001, 2.5, '5', true]) {
      for (const res of [
        await t.call('POST', '/v1/webhooks', { url: r.url, rateLimit: bad }, { admin: true }),
        await patch({ rateLimit: bad }),
      ]) {
        expect(res.status, JSON.stringify(bad)).toBe(422);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        const problem = (await res.json()) as { errors: { path: string }[] };
        expect(problem.errors.map((e) => e.path)).toEqual(['rateLimit']);
      }
    }
    // Nothing half-applied by the refused patches.
    expect(
      ((await (await t.call('GET', `/v1/webhooks/${made.id}`, undefined, { admin: true })).json()) as WebhookEndpoint).rateLimit,
    ).toBeNull();
  });

  it('spaces deliveries to a throttled endpoint, while an unthrottled one gets the same changes at once', async () => {
    const slow = await receiver();
    const fast = await receiver();
    const throttled = await createEndpoint(t, { url: slow.url, rateLimit: 4, countries: ['ISL'] });
    await createEndpoint(t, { url: fast.url, countries: ['ISL'] });
    slow.setSecret(throttled.secret);
    const events = Array.from({ length: 8 }, (_, i) => sampleEvent({ id: `throttle-isl-${i}`, country: 'ISL' }));
    const starts = recordStarts(t);
    const started = Date.now();
    expect((await t.call('POST', '/v1/admin/events', { events }, { admin: true })).status).toBe(200);
    await until(() => fast.received.length === 8 && slow.received.length === 8, 15_000);
    expect(fast.received).toHaveLength(8);
    expect(slow.received).toHaveLength(8);
    expect(slow.received.every((m) => m.verified)).toBe(true);
    expect(new Set(slow.received.map((m) => m.id)).size).toBe(8);
    const arrivals = slow.received.map((m) => m.at);
    const sent = starts.get(slow.url)!;
    expect(sent).toHaveLength(8);
    // 8 at 4 a second: slots 250 ms apart, each used within one interval of its time, so the
    // last starts at least 6 intervals after the first, and no second holds more than 4 + 1.
    expect(Math.max(...sent) - Math.min(...sent)).toBeGreaterThanOrEqual(6 * 250);
    expect(mostWithin(sent, 1000)).toBeLessThanOrEqual(5);
    // The unthrottled endpoint was not held behind it.
    expect(Math.max(...fast.received.map((m) => m.at)) - started).toBeLessThan(Math.max(...arrivals) - started);
  });

  it('does not count test pings', async () => {
    const r = await receiver();
    const made = await createEndpoint(t, { url: r.url, rateLimit: 1 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.call('POST', `/v1/webhooks/${made.id}/test`, undefined, { admin: true })).status);
    expect(statuses).toEqual([200, 200, 200]);
    expect(r.received).toHaveLength(3);
  });
});

describe.runIf(onPostgres)('the throttle across instances (PostgreSQL)', () => {
  let other: TestApp;
  beforeAll(async () => {
    // A second instance: its own pool on the same database, its own id and clock.
    const pool = t.database.openAnother(10);
    other = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' }, { ...t.database, ...pool }, { clock: 'running' });
  });
  afterAll(async () => {
    await other.close();
    await other.database.close();
  });

  it('holds for two instances delivering to one endpoint at once: each delivers, together no faster than the limit', async () => {
    const r = await receiver();
    const made = await createEndpoint(t, { url: r.url, rateLimit: 5 });
    r.setSecret(made.secret);
    const now = t.clock.now();
    const deliveries = Array.from({ length: 20 }, () => {
      const id = newDeliveryId();
      return { id, endpointId: made.id, changeId: null, type: 'ping', payload: pingBody(made.id, now) };
    });
    expect(await insertDeliveries(t.deps.db, deliveries, now)).toBe(20);

    const starts = [recordStarts(t), recordStarts(other)];
    const [mine, theirs] = await Promise.all([dispatchDue(t.deps), dispatchDue(other.deps)]);
    expect(mine.delivered + theirs.delivered).toBe(20);
    expect(mine.delivered).toBeGreaterThan(0);
    expect(theirs.delivered).toBeGreaterThan(0);
    expect(new Set(r.received.map((m) => m.id))).toEqual(new Set(deliveries.map((d) => d.id)));
    expect(r.received.every((m) => m.verified)).toBe(true);
    // Both instances' starts on one time line (performance.now() of this one process).
    const sent = starts.flatMap((s) => s.get(r.url) ?? []);
    expect(sent).toHaveLength(20);
    // 20 at 5 a second, shared: at least 18 intervals of 200 ms between the first start and the last.
    expect(Math.max(...sent) - Math.min(...sent)).toBeGreaterThanOrEqual(18 * 200);
    expect(mostWithin(sent, 1000)).toBeLessThanOrEqual(6);
  });
});
