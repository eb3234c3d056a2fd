import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLICATION_NAME } from '../src/alerts/webhooks/pg-listen-connection';
import { firstSecret } from '../src/alerts/webhooks/secrets';
import { insertEndpoint } from '../src/db/webhook-endpoints';
import { createTestApp, type TestApp } from '../testkit/app';
import { onPostgres } from '../testkit/db';
import { ingestInputs, sampleEvent } from '../testkit/events';
import { startReceiver } from '../testkit/webhook-receiver';

const waitFor = async (done: () => boolean, ms: number) => {
  const started = Date.now();
  while (!done() && Date.now() - started < ms) await new Promise((resolve) => setTimeout(resolve, 10));
  return Date.now() - started;
};

// Two instances on one PostgreSQL database: A ingests (its pump is never kicked), B's pump
// only LISTENs. No cron runs in tests, so only NOTIFY can wake B.
describe.runIf(onPostgres)('webhook wake-ups across instances (PostgreSQL LISTEN/NOTIFY)', () => {
  let a: TestApp;
  let b: TestApp;
  let closeOther: () => Promise<void>;
  let aKicks = 0;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    a = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' });
    const other = a.database.openAnother();
    closeOther = other.close;
    b = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' }, { ...a.database, ...other });
    for (const t of [a, b]) t.clock.set(new Date()); // receivers check webhook-timestamp against their clock
    const kick = a.deps.webhookPump.kick;
    a.deps.webhookPump.kick = () => {
      aKicks += 1;
      kick();
    };
    await b.deps.webhookPump.listen();
  });
  afterAll(async () => {
    await b.deps.webhookPump.stopListening();
    await b.deps.webhookPump.idle();
    await Promise.all(closers.map((close) => close()));
    await closeOther();
    await a.close();
  });

  async function endpointFor(country: string) {
    const receiver = await startReceiver();
    closers.push(receiver.close);
    const { secret, secrets } = firstSecret(a.deps.appSecret);
    receiver.setSecret(secret);
    const now = a.deps.clock.now();
    await insertEndpoint(a.deps.db, {
      id: `ep_${randomBytes(6).toString('hex')}`,
      url: receiver.url,
      description: null,
      types: [],
      countries: [country],
      categories: [],
      enabled: true,
      secrets: JSON.stringify(secrets),
      created_at: now,
      updated_at: now,
    });
    return receiver;
  }
  const ingestThroughA = (country: string) => ingestInputs(a.deps, [sampleEvent({ country })]);

  it("a change ingested through instance A reaches a receiver in under 2 s through instance B's pump", async () => {
    const receiver = await endpointFor('CHL');
    const started = Date.now();
    await ingestThroughA('CHL');
    const took = await waitFor(() => receiver.received.length > 0, 5_000);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.verified).toBe(true);
    expect(took).toBeLessThan(2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(aKicks).toBe(0);
  });

  it('listens again after its connection is lost, and catches up on what it missed', async () => {
    const receiver = await endpointFor('BOL');
    const { rows } = await sql<{ ended: boolean }>`
      select pg_terminate_backend(pid) as ended from pg_stat_activity
      where application_name = ${APPLICATION_NAME} and datname = current_database() and pid <> pg_backend_pid()`.execute(a.deps.db);
    expect(rows.length).toBeGreaterThan(0);
    await ingestThroughA('BOL'); // committed while B is not listening: its NOTIFY is lost
    await waitFor(() => receiver.received.length > 0, 10_000);
    expect(receiver.received).toHaveLength(1);
    // And wake-ups work again on the new connection.
    const next = await endpointFor('PRY');
    await ingestThroughA('PRY');
    const took = await waitFor(() => next.received.length > 0, 5_000);
    expect(next.received).toHaveLength(1);
    expect(took).toBeLessThan(2_000);
    expect(aKicks).toBe(0);
  });

  it('a retry or a replay through instance A of a delivery that already exists wakes instance B', async () => {
    const receiver = await endpointFor('GUY');
    const endpointId = (
      await a.deps.db.selectFrom('webhook_endpoints').select('id').where('url', '=', receiver.url).executeTakeFirstOrThrow()
    ).id;
    await ingestThroughA('GUY');
    await waitFor(() => receiver.received.length > 0, 5_000);
    expect(receiver.received).toHaveLength(1);
    await b.deps.webhookPump.idle();
    const deliveryId = receiver.received[0]!.id;
    const { change_id: changeId } = await a.deps.db
      .selectFrom('webhook_deliveries')
      .select('change_id')
      .where('id', '=', deliveryId)
      .executeTakeFirstOrThrow();

    // A's own pump does nothing here: only B, woken by NOTIFY, can send them (no cron runs in tests).
    const kick = a.deps.webhookPump.kick;
    let localKicks = 0;
    a.deps.webhookPump.kick = () => {
      localKicks += 1;
    };
    try {
      let started = Date.now();
      const retried = await a.call('POST', `/v1/webhooks/${endpointId}/deliveries/${deliveryId}/retry`, undefined, { admin: true });
      expect(retried.status).toBe(202);
      await waitFor(() => receiver.received.length > 1, 5_000);
      expect(receiver.received.map((r) => r.id)).toEqual([deliveryId, deliveryId]);
      expect(Date.now() - started).toBeLessThan(2_000);
      await b.deps.webhookPump.idle();

      started = Date.now();
      const replayed = await a.call('POST', `/v1/webhooks/${endpointId}/replay`, { since: Number(changeId) }, { admin: true });
      expect(await replayed.json()).toEqual({ queued: 1 });
      await waitFor(() => receiver.received.length > 2, 5_000);
      expect(receiver.received.map((r) => r.id)).toEqual([deliveryId, deliveryId, deliveryId]);
      expect(receiver.received.every((r) => r.verified)).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(localKicks).toBe(2);
    } finally {
      a.deps.webhookPump.kick = kick;
    }
  });
});
