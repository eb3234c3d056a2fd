import { prometheus } from '@hono/prometheus';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance (never prom-client's global one), so tests stay isolated. */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const http = prometheus({ registry });
  return {
    registry,
    /** Request histogram and counter by method, route pattern and status. */
    httpMiddleware: http.registerMetrics,
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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
