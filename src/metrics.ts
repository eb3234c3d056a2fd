import { prometheus } from '@hono/prometheus';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createEmailMetrics } from './email/metrics';

/** One registry per app instance (never prom-client's global one), so tests stay isolated. */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const http = prometheus({ registry });
  return {
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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
