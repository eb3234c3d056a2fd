import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_LEASE_MS, dispatchDue } from '../src/alerts/webhooks/delivery-loop';
import { fanOutChanges } from '../src/alerts/webhooks/fanout';
import { REQUEST_TIMEOUT_MS } from '../src/alerts/webhooks/http/contract';
import { firstSecret } from '../src/alerts/webhooks/secrets';
import { claimDueDeliveries } from '../src/db/webhook-deliveries';
import { findEndpoint, insertEndpoint } from '../src/db/webhook-endpoints';
import { createTestApp, type TestApp } from '../testkit/app';
import { ingestInputs, sampleEvent } from '../testkit/events';
import { startReceiver } from '../testkit/webhook-receiver';

let t: TestApp;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' });
  // Receivers check webhook-timestamp against their own clock (5 minutes' tolerance).
  t.clock.set(new Date());
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await t.close();
});

/** A receiver and an endpoint for it, registered with its own secret. */
async function endpointWith(
  filters: { types?: string[]; countries?: string[]; categories?: string[] } = {},
  receiver: Parameters<typeof startReceiver>[0] = {},
  app = t,
) {
  const r = await startReceiver(receiver);
  closers.push(r.close);
  const { secret, secrets } = firstSecret(app.deps.appSecret);
  r.setSecret(secret);
  const id = `ep_${randomBytes(6).toString('hex')}`;
  const now = app.deps.clock.now();
  await insertEndpoint(app.deps.db, {
    id,
    url: r.url,
    description: null,
    types: filters.types ?? [],
    countries: filters.countries ?? [],
    categories: filters.categories ?? [],
    enabled: true,
    secrets: JSON.stringify(secrets),
    created_at: now,
    updated_at: now,
  });
  return { id, receiver: r };
}

const ingest = (events: unknown[]) => t.call('POST', '/v1/admin/events', { events }, { admin: true });
const settle = async () => {
  await t.deps.webhookPump.idle();
  await fanOutChanges(t.deps);
  await dispatchDue(t.deps);
};

describe('webhook delivery', () => {
  it('delivers every change to every matching endpoint as a verifiable Standard Webhooks request', async () => {
    const all = await endpointWith();
    const flags = await endpointWith({ types: ['event.watch_flag_raised'] });
    const norway = await endpointWith({ countries: ['NOR'] });
    const e1 = sampleEvent({ country: 'NOR' });
    const e2 = sampleEvent({ country: 'KAZ' });
    await ingest([e1, e2]);
    await ingest([{ ...e2, watchFlag: true }]);
    await settle();

    // Deliveries run in parallel: order them by change id (Standard Webhooks promises no order).
    const byChange = [...all.receiver.received].sort(
      (x, y) => (x.body.data as { change: { id: number } }).change.id - (y.body.data as { change: { id: number } }).change.id,
    );
    expect(byChange.map((r) => [r.type, (r.body.data as { event: { id: string } }).event.id])).toEqual([
      ['event.published', e1.id],
      ['event.published', e2.id],
      ['event.watch_flag_raised', e2.id],
    ]);
    expect(all.receiver.received.every((r) => r.verified)).toBe(true);
    expect(flags.receiver.received.map((r) => r.type)).toEqual(['event.watch_flag_raised']);
    expect(norway.receiver.received.map((r) => (r.body.data as { event: { id: string } }).event.id)).toEqual([e1.id]);
    const body = byChange[2]!.body as { data: { change: { id: number; type: string }; previous: unknown } };
    expect(body.data.change.type).toBe('event.watch_flag_raised');
    expect(body.data.previous).toEqual({ watchFlag: false });

    // Running fan-out and dispatch again delivers nothing twice.
    await settle();
    expect(all.receiver.received).toHaveLength(3);
  });

  it('retries a failed delivery later with the same webhook-id, and logs each attempt', async () => {
    const flaky = await endpointWith({ countries: ['BRA'] }, { statuses: [500, 502] });
    await ingest([sampleEvent({ country: 'BRA' })]);
    await settle();
    expect(flaky.receiver.received).toHaveLength(1);
    t.clock.advance(10_000); // past the first retry (5 s ± 20%)
    await dispatchDue(t.deps);
    t.clock.advance(400_000); // past the second (5 min ± 20%)
    await dispatchDue(t.deps);
    const ids = flaky.receiver.received.map((r) => r.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    const row = await t.deps.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', ids[0]!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, last_status: 200 });
    const attempts = await t.deps.db
      .selectFrom('webhook_attempts')
      .select(['status_code'])
      .where('delivery_id', '=', ids[0]!)
      .orderBy('id')
      .execute();
    expect(attempts.map((a) => a.status_code)).toEqual([500, 502, 200]);
  });

  it('honours Retry-After on 429, and disables an endpoint that answers 410 Gone', async () => {
    const busy = await endpointWith({ countries: ['CHL'] }, { statuses: [429], headers: { 'retry-after': '120' } });
    const gone = await endpointWith({ countries: ['CHL'] }, { statuses: [410] });
    await ingest([sampleEvent({ country: 'CHL' })]);
    await settle();
    const busyRow = await t.deps.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', busy.id)
      .executeTakeFirstOrThrow();
    expect(busyRow.next_attempt_at.getTime() - t.clock.now().getTime()).toBe(120_000);
    expect(await findEndpoint(t.deps.db, gone.id)).toMatchObject({ enabled: false, disabled_reason: 'the endpoint answered 410 Gone' });
  });

  it('disables an endpoint whose deliveries have all failed for 5 days, and says why', async () => {
    const broken = await endpointWith({ countries: ['ECU'] }, { statuses: [500] });
    await t.deps.db
      .updateTable('webhook_endpoints')
      .set({ failing_since: new Date(t.clock.now().getTime() - 5 * 24 * 3600_000 - 1000) })
      .where('id', '=', broken.id)
      .execute();
    await ingest([sampleEvent({ country: 'ECU' })]);
    await settle();
    expect(broken.receiver.received).toHaveLength(1);
    expect(await findEndpoint(t.deps.db, broken.id)).toMatchObject({ enabled: false, disabled_reason: 'every delivery failed for 5 days' });
    expect(t.logs.records().some((r) => r.msg === 'webhook endpoint disabled' && r.endpoint === broken.id)).toBe(true);
  });

  it('a delivery claimed by a dispatcher that died is delivered after its lease ends (at least once, never lost)', async () => {
    const r = await endpointWith({ countries: ['PER'] });
    // Straight into the change log, so no pump delivers it before the test's own dispatcher dies.
    await ingestInputs(t.deps, [sampleEvent({ country: 'PER' })]);
    await fanOutChanges(t.deps);
    const now = t.clock.now();
    const taken = await claimDueDeliveries(t.deps.db, {
      owner: 'dead-dispatcher',
      now,
      leaseUntil: new Date(now.getTime() + DELIVERY_LEASE_MS),
      limit: 100,
      perEndpoint: 100,
    });
    expect(taken.some((d) => d.endpoint_id === r.id)).toBe(true);
    await dispatchDue(t.deps);
    expect(r.receiver.received).toHaveLength(0); // still leased: nobody else sends it meanwhile
    t.clock.advance(DELIVERY_LEASE_MS + 1);
    await dispatchDue(t.deps);
    expect(r.receiver.received).toHaveLength(1);
  });

  it('a delivery held behind a slow endpoint starts only while its lease outlives the request; else it is handed back and claimed afresh', async () => {
    await t.deps.webhookPump.idle();
    // On arrival, how much of its lease the delivery still had (by the app's clock).
    const leaseLeft: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', async () => {
        const row = await t.deps.db
          .selectFrom('webhook_deliveries')
          .select('locked_until')
          .where('id', '=', String(req.headers['webhook-id']))
          .executeTakeFirstOrThrow();
        leaseLeft.push(row.locked_until!.getTime() - t.clock.now().getTime());
        setTimeout(() => res.writeHead(200).end('ok'), 300);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      server.closeAllConnections();
      server.close();
    });
    const { secrets } = firstSecret(t.deps.appSecret);
    const now = t.clock.now();
    const id = `ep_${randomBytes(6).toString('hex')}`;
    await insertEndpoint(t.deps.db, {
      id,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      description: null,
      types: [],
      countries: ['GTM'],
      categories: [],
      enabled: true,
      secrets: JSON.stringify(secrets),
      created_at: now,
      updated_at: now,
    });
    await ingestInputs(
      t.deps,
      Array.from({ length: 8 }, () => sampleEvent({ country: 'GTM' })),
    );
    await fanOutChanges(t.deps);

    const run = dispatchDue(t.deps); // claims all 8: 4 start (the per-endpoint limit), 4 are held
    while (leaseLeft.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    t.clock.advance(DELIVERY_LEASE_MS - 5_000); // the held ones' leases would end 5 s after they start
    await run;

    expect(leaseLeft).toHaveLength(8);
    expect(Math.min(...leaseLeft)).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
    const rows = await t.deps.db.selectFrom('webhook_deliveries').select(['status', 'attempts']).where('endpoint_id', '=', id).execute();
    expect(rows).toHaveLength(8);
    expect(rows.every((row) => row.status === 'delivered' && row.attempts === 1)).toBe(true); // the handed-back claim is not counted
  });

  it('draining for shutdown returns once the running requests end, however many deliveries are held', async () => {
    await t.deps.webhookPump.idle();
    const slow = await endpointWith({ countries: ['HND'] }, { delayMs: 100 });
    await ingestInputs(
      t.deps,
      Array.from({ length: 60 }, () => sampleEvent({ country: 'HND' })),
    );
    await fanOutChanges(t.deps);
    let accepting = true;
    const run = dispatchDue({ ...t.deps, isAcceptingWork: () => accepting });
    while (slow.receiver.received.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    accepting = false; // 4 running, 56 held
    const started = Date.now();
    await run;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(slow.receiver.received).toHaveLength(4);
    // What was held but not started goes back to the queue at shutdown (lifecycle.ts) and is delivered later.
    await t.deps.db
      .updateTable('webhook_deliveries')
      .set({ locked_by: null, locked_until: null })
      .where('endpoint_id', '=', slow.id)
      .where('status', '=', 'pending')
      .execute();
    await dispatchDue(t.deps);
    expect(new Set(slow.receiver.received.map((r) => r.id)).size).toBe(60);
  });

  it('a slow endpoint does not hold up the others', async () => {
    const slow = await endpointWith({ countries: ['ARG'] }, { delayMs: 1500 });
    const fast = await endpointWith({ countries: ['ARG'] });
    await ingest(Array.from({ length: 12 }, () => sampleEvent({ country: 'ARG' })));
    await t.deps.webhookPump.idle();
    await fanOutChanges(t.deps);
    const started = Date.now();
    const run = dispatchDue(t.deps);
    while (fast.receiver.received.length < 12 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
    const fastDone = Date.now() - started;
    await run;
    expect(fastDone).toBeLessThan(1500); // every fast delivery done before the slow endpoint's first answer
    expect(slow.receiver.received).toHaveLength(12);
  });

  it('a change appended through the API reaches an idle healthy endpoint within 2 seconds', async () => {
    const r = await endpointWith({ countries: ['URY'] });
    const started = Date.now();
    await ingest([sampleEvent({ country: 'URY' })]);
    while (r.receiver.received.length === 0 && Date.now() - started < 5_000) await new Promise((res) => setTimeout(res, 10));
    expect(r.receiver.received).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('checks the address again at every delivery (SSRF)', async () => {
    await t.deps.webhookPump.idle(); // the permissive instance must not deliver it instead
    const strict = await createTestApp({}, t.database);
    const r = await endpointWith({ countries: ['ISL'] }, {}, strict);
    await strict.call('POST', '/v1/admin/events', { events: [sampleEvent({ country: 'ISL' })] }, { admin: true });
    await strict.deps.webhookPump.idle();
    await fanOutChanges(strict.deps);
    await dispatchDue(strict.deps);
    expect(r.receiver.received).toHaveLength(0);
    const row = await strict.deps.db
      .selectFrom('webhook_deliveries')
      .select(['last_error'])
      .where('endpoint_id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(row.last_error).toMatch(/^refused: /);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('several dispatchers at once (PostgreSQL)', { timeout: 120_000 }, () => {
  it('two dispatchers over 2,000 deliveries: each delivered once, no duplicates without failures', async () => {
    const other = t.database.openAnother();
    const second = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' }, { ...t.database, ...other });
    second.clock.set(t.clock.now());
    try {
      await t.deps.db.updateTable('webhook_endpoints').set({ enabled: false }).execute(); // only this test's endpoints
      const receivers = await Promise.all([endpointWith({ countries: ['ZAF'] }), endpointWith({ countries: ['ZAF'] })]);
      const events = Array.from({ length: 1000 }, () => sampleEvent({ country: 'ZAF' }));
      await ingestInputs(t.deps, events);
      await fanOutChanges(t.deps);
      const [a, b] = await Promise.all([dispatchDue(t.deps), dispatchDue(second.deps)]);
      expect(a.delivered + b.delivered).toBe(2000);
      expect(a.delivered).toBeGreaterThan(0);
      expect(b.delivered).toBeGreaterThan(0);
      for (const { receiver } of receivers) {
        expect(receiver.received).toHaveLength(1000);
        expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1000);
      }
    } finally {
      await other.close();
    }
  });
});
