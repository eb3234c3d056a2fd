import { Counter, type Registry } from 'prom-client';

/** Email counters, registered on the app's own registry (see src/metrics.ts). */
export function createEmailMetrics(registry: Registry) {
  return {
    messages: new Counter({
      name: 'tracker_emails_total',
      help: 'Emails handed to a transport, by transport and outcome (sent, rejected, failed)',
      labelNames: ['transport', 'outcome'] as const,
      registers: [registry],
    }),
    providerRequests: new Counter({
      name: 'tracker_email_provider_requests_total',
      help: 'HTTP requests to the email provider, by result (ok, rate_limited, server_error, network_error, timeout, rejected, conflict)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}

export type EmailMetrics = ReturnType<typeof createEmailMetrics>;
