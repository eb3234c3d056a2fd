import { prometheus } from '@hono/prometheus';
import type { Context } from 'hono';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueDepths } from './db/queue-depth';
import { createEmailMetrics } from './email/metrics';

/**
 * `ok` as "the request succeeded": any status below 400. @hono/prometheus takes fetch's
 * Response.ok (200-299), which counts every 303 of a form's POST-redirect-GET as a failure.
 */
const successLabel = {
  labelNames: ['method', 'status', 'route'],
  customLabels: { ok: (c: Context) => String(c.res.status < 400) },
};

/**
 * prom-client's process metrics, less the three gauges it names `*_total`, which promtool
 * refuses (that suffix is for counters); `nodejs_active_{handles,requests,resources}` carry the
 * same numbers by type.
 */
function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
}

/** One registry per app instance (never prom-client's global one), so tests stay isolated. */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectProcessMetrics(registry);
  const http = prometheus({ registry, metricOptions: { requestDuration: successLabel, requestsTotal: successLabel } });
  const queues = queueGauges(registry);
  return {
    /** Where the queue gauges read from at each scrape (the entry wires the database in). */
    observeQueues: queues.observe,
    registry,
    /** Request histogram and counter by method, route pattern and status. */
    httpMiddleware: http.registerMetrics,
    email: createEmailMetrics(registry),
    eventsIngested: new Counter({
      name: 'tracker_events_ingested_total',
      help: 'Events received by ingestion, by outcome (published, updated, unchanged)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    changesAppended: new Counter({
      name: 'tracker_changes_appended_total',
      help: 'Changes appended to the change log, by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'tracker_job_duration_seconds',
      help: 'Duration of job runs, by job and outcome',
      labelNames: ['job', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    jobLastSuccess: new Gauge({
      name: 'tracker_job_last_success_timestamp_seconds',
      help: 'Unix time of the last successful run, by job',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
    sourceFetches: new Counter({
      name: 'tracker_source_fetches_total',
      help: 'Source fetches by the detector, by outcome (changed, not_modified, failed)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: 'tracker_webhook_attempts_total',
      help: 'Webhook delivery attempts, by outcome (delivered, retry, failed) and HTTP status class',
      labelNames: ['outcome', 'status'] as const,
      registers: [registry],
    }),
    cleanupDeleted: new Counter({
      name: 'tracker_cleanup_deleted_total',
      help: 'Rows and files deleted by the retention cleanup, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}

/**
 * Gauges collected when /metrics is scraped. prom-client calls every collect of one scrape in
 * the same turn, so both gauges share one database read (forgotten at the next microtask). A
 * failed read drops the samples rather than report stale ones.
 */
function queueGauges(registry: Registry) {
  let read: (() => Promise<QueueDepths>) | undefined;
  let onError: (error: unknown) => void = () => {};
  let shared: Promise<QueueDepths | undefined> | undefined;
  const scrape = () => {
    if (!read) return Promise.resolve(undefined);
    if (!shared) {
      shared = read().catch((error: unknown) => {
        onError(error);
        return undefined;
      });
      queueMicrotask(() => {
        shared = undefined;
      });
    }
    return shared;
  };
  const depth: Gauge<'queue'> = new Gauge({
    name: 'tracker_queue_depth',
    help: 'Work waiting, by queue: webhook_deliveries_pending (every pending delivery, retries scheduled later included), webhook_deliveries_due (due now), digests_due (due and not yet sent)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const q = await scrape();
      depth.reset();
      if (!q) return;
      depth.set({ queue: 'webhook_deliveries_pending' }, q.webhookDeliveriesPending);
      depth.set({ queue: 'webhook_deliveries_due' }, q.webhookDeliveriesDue);
      depth.set({ queue: 'digests_due' }, q.digestsDue);
    },
  });
  const oldest: Gauge<'queue'> = new Gauge({
    name: 'tracker_queue_oldest_due_age_seconds',
    help: 'How long the oldest due item has been waiting, by queue (webhook_deliveries, digests); 0 when nothing is due',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const q = await scrape();
      oldest.reset();
      if (!q) return;
      oldest.set({ queue: 'webhook_deliveries' }, q.webhookOldestDueSeconds);
      oldest.set({ queue: 'digests' }, q.digestOldestDueSeconds);
    },
  });
  return {
    observe(source: () => Promise<QueueDepths>, errors: (error: unknown) => void) {
      read = source;
      onError = errors;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
