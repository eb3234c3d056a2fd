import { workersWebhookClient } from '../alerts/webhooks/http/workers-client';
import { systemClock } from '../clock';
import { composeDeps } from '../compose-deps';
import { openPostgres } from '../db/postgres';
import type { Deps } from '../deps';
import { createResendMailer } from '../email/resend';
import { createLogger } from '../log';
import { createMetrics } from '../metrics';
import { parseWorkerConfig, type WorkerEnv } from './config';

/** Workers allow six simultaneous outgoing connections per invocation; keep one for fetch. */
const MAX_DB_CONNECTIONS = 5;

export interface WorkerScope {
  deps: Deps;
  /** Waits for work started in this invocation (emails, webhook passes), then closes the database. */
  close(): Promise<void>;
}

/**
 * The deps of one invocation (a request or a scheduled event): Hyperdrive pools the database
 * connections, so each invocation opens its own pg pool and closes it in ctx.waitUntil. No
 * PGlite, outbox, node-cron or file system here: the mailer is Resend over fetch.
 */
export function openWorkerScope(env: WorkerEnv): WorkerScope {
  const config = parseWorkerConfig(env);
  const log = createLogger({ level: config.logLevel });
  const database = openPostgres(config.databaseUrl!, { max: MAX_DB_CONNECTIONS, preparedStatements: false });
  const metrics = createMetrics();
  const deps = composeDeps({
    config,
    database,
    clock: systemClock,
    log,
    appSecret: config.appSecret!,
    metrics,
    mailer: createResendMailer({
      apiKey: config.resend!.apiKey,
      baseUrl: config.resend!.baseUrl,
      defaultFrom: config.emailFrom,
      clock: systemClock,
      log,
      metrics: metrics.email,
    }),
    webhookTransport: workersWebhookClient,
  });
  return {
    deps,
    async close() {
      try {
        await deps.background.idle();
        await deps.webhookPump.idle();
      } finally {
        await database.close();
      }
    },
  };
}
