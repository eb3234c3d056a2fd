import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCleanup } from '../src/alerts/cleanup/run-cleanup';
import { runDetection } from '../src/alerts/detector/run-detection';
import { BATCH_LEASE_MS, runDigestTick } from '../src/alerts/digest/runner';
import { firstSecret } from '../src/alerts/webhooks/secrets';
import { insertEndpoint } from '../src/db/webhook-endpoints';
import { createResendMailer } from '../src/email/resend';
import { createMetrics } from '../src/metrics';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { sampleEvent } from '../testkit/events';
import { startFakeResend } from '../testkit/fake-resend';
import { parseMetrics, scrape } from '../testkit/metrics';
import { startReceiver } from '../testkit/webhook-receiver';

let t: TestApp;
let resend: Awaited<ReturnType<typeof startFakeResend>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  resend = await startFakeResend();
  // Every delivery fails once (500), then succeeds.
  receiver = await startReceiver({ statuses: [500, 500] });
  const feed = join(mkdtempSync(join(tmpdir(), 'tracker-ops-feed-')), 'events.json');
  writeFileSync(feed, JSON.stringify([sampleEvent({ country: 'KAZ' }), sampleEvent({ country: 'NOR' })]));
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1', SOURCE_URLS: pathToFileURL(feed).href });
  t.deps.mailer = createResendMailer({
    apiKey: 're_test_fake_key',
    baseUrl: resend.url,
    defaultFrom: 'Tracker Alerts <alerts@example.org>',
    clock: t.clock,
    metrics: t.deps.metrics.email,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 60_000 },
    sleep: async () => undefined,
  });
  // Receivers check webhook-timestamp against their own clock.
  t.clock.set(new Date());
  const { secret, secrets } = firstSecret(t.deps.appSecret);
  receiver.setSecret(secret);
  const now = t.clock.now();
  await insertEndpoint(t.deps.db, {
    id: 'ep_ops',
    url: receiver.url,
    description: null,
    types: [],
    countries: [],
    categories: [],
    enabled: true,
    secrets: JSON.stringify(secrets),
    created_at: now,
    updated_at: now,
  });
}, 240_000);
afterAll(async () => {
  await receiver.close();
  await resend.close();
  await t.close();
});

const seconds = (date: Date) => date.getTime() / 1000;

describe('/metrics after real work', { timeout: 240_000 }, () => {
  it('reports every job, the queue depths, delivery outcomes and emails sent and failed, as they are', async () => {
    // Detection from a local feed: two events, so two changes for the endpoint.
    const detectedAt = t.clock.now();
    expect(await runDetection(t.deps, 'api')).toMatchObject({ ran: true, run: { status: 'succeeded' } });
    await t.deps.webhookPump.idle();
    let m = await scrape(t);
    expect(m.value('tracker_job_duration_seconds_count', { job: 'detect', outcome: 'ok' })).toBe(1);
    expect(m.value('tracker_job_last_success_timestamp_seconds', { job: 'detect' })).toBe(seconds(detectedAt));
    // The first attempts failed: two deliveries wait for their retry, none is due yet.
    expect(m.value('tracker_webhook_attempts_total', { outcome: 'retry', status: '5xx' })).toBe(2);
    expect(m.value('tracker_queue_depth', { queue: 'webhook_deliveries_pending' })).toBe(2);
    expect(m.value('tracker_queue_depth', { queue: 'webhook_deliveries_due' })).toBe(0);
    expect(m.value('tracker_queue_oldest_due_age_seconds', { queue: 'webhook_deliveries' })).toBe(0);
    expect(m.value('tracker_job_duration_seconds_count', { job: 'webhooks', outcome: 'ok' })).toBeGreaterThanOrEqual(1);

    // Ten seconds on, both retries (5 s ± 20%) are due, the oldest for 4 to 6 s.
    t.clock.advance(10_000);
    m = await scrape(t);
    expect(m.value('tracker_queue_depth', { queue: 'webhook_deliveries_due' })).toBe(2);
    expect(m.value('tracker_queue_oldest_due_age_seconds', { queue: 'webhook_deliveries' })).toBeGreaterThanOrEqual(4);
    expect(m.value('tracker_queue_oldest_due_age_seconds', { queue: 'webhook_deliveries' })).toBeLessThanOrEqual(6);

    const dispatchedAt = t.clock.now();
    t.deps.webhookPump.kick();
    await t.deps.webhookPump.idle();
    m = await scrape(t);
    expect(m.value('tracker_webhook_attempts_total', { outcome: 'delivered', status: '2xx' })).toBe(2);
    expect(m.value('tracker_queue_depth', { queue: 'webhook_deliveries_pending' })).toBe(0);
    expect(m.value('tracker_job_last_success_timestamp_seconds', { job: 'webhooks' })).toBe(seconds(dispatchedAt));
    expect(receiver.received.filter((r) => r.verified)).toHaveLength(4);

    // Digests: a run that stops after recording its batch leaves two digests due.
    await seedSubscribers(t.deps, { count: 2, prefix: 'ops' });
    const asOf = t.clock.now();
    await expect(
      runDigestTick(t.deps, { asOf, trigger: 'test', afterRecord: async () => Promise.reject(new Error('killed')) }),
    ).rejects.toThrow('killed');
    m = await scrape(t);
    expect(m.value('tracker_queue_depth', { queue: 'digests_due' })).toBe(2);
    expect(m.value('tracker_queue_oldest_due_age_seconds', { queue: 'digests' })).toBeGreaterThan(0);
    expect(m.value('tracker_job_last_success_timestamp_seconds', { job: 'digest' })).toBeUndefined();

    t.clock.advance(BATCH_LEASE_MS + 1000);
    const digestAt = t.clock.now();
    expect(await runDigestTick(t.deps, { asOf, trigger: 'test' })).toMatchObject({ sent: 2, failed: 0 });
    m = await scrape(t);
    expect(m.value('tracker_queue_depth', { queue: 'digests_due' })).toBe(0);
    expect(m.value('tracker_queue_oldest_due_age_seconds', { queue: 'digests' })).toBe(0);
    expect(m.value('tracker_emails_total', { transport: 'resend', outcome: 'sent' })).toBe(2);
    expect(m.value('tracker_job_last_success_timestamp_seconds', { job: 'digest' })).toBe(seconds(digestAt));

    // An email the provider keeps failing, and one it refuses.
    resend.failNext(3, { type: 'server-error' });
    await expect(
      t.deps.mailer.send({ to: 'ops-x@example.org', subject: 'x', html: '<p>x</p>', text: 'x' }, { idempotencyKey: 'ops-failing' }),
    ).rejects.toThrow();
    resend.failNext(1, { type: 'error', status: 422, name: 'validation_error' });
    await expect(
      t.deps.mailer.send({ to: 'ops-y@example.org', subject: 'y', html: '<p>y</p>', text: 'y' }, { idempotencyKey: 'ops-refused' }),
    ).rejects.toThrow();

    const cleanedAt = t.clock.now();
    expect(await runCleanup(t.deps)).toMatchObject({ ran: true });
    m = await scrape(t);
    expect(m.value('tracker_emails_total', { transport: 'resend', outcome: 'failed' })).toBe(1);
    expect(m.value('tracker_emails_total', { transport: 'resend', outcome: 'rejected' })).toBe(1);
    expect(m.value('tracker_job_last_success_timestamp_seconds', { job: 'cleanup' })).toBe(seconds(cleanedAt));
    for (const job of ['detect', 'webhooks', 'digest', 'cleanup']) {
      expect(
        m.samples.some((s) => s.name === 'tracker_job_duration_seconds_count' && s.labels.job === job && s.value > 0),
        job,
      ).toBe(true);
    }
    expect(m.value('tracker_cleanup_deleted_total', { kind: 'webhook_attempts' })).toBe(0);
  });

  it('drops the queue samples, without failing the scrape, when the database cannot answer', async () => {
    const metrics = createMetrics();
    let reads = 0;
    const errors: unknown[] = [];
    metrics.observeQueues(
      async () => {
        reads += 1;
        return {
          webhookDeliveriesPending: 3,
          webhookDeliveriesDue: 1,
          webhookOldestDueSeconds: 2,
          digestsDue: 0,
          digestOldestDueSeconds: 0,
        };
      },
      (error) => errors.push(error),
    );
    expect(parseMetrics(await metrics.registry.metrics()).filter((s) => s.name.startsWith('tracker_queue_'))).toHaveLength(5);
    expect(reads).toBe(1); // both gauges share one read per scrape

    metrics.observeQueues(
      () => Promise.reject(new Error('database gone')),
      (error) => errors.push(error),
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE tracker_queue_depth gauge');
    expect(parseMetrics(text).filter((s) => s.name.startsWith('tracker_queue_'))).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});
