import type { FileSourceReader } from './alerts/detector/fetch-source';
import type { WebhookHttpClient } from './alerts/webhooks/http/contract';
import { createWebhookPump } from './alerts/webhooks/pump';
import { createBackgroundTasks } from './background';
import type { Clock } from './clock';
import type { Config } from './config';
import type { DatabaseHandle } from './db/postgres';
import { readQueueDepths } from './db/queue-depth';
import type { Deps } from './deps';
import { createTokenSigner } from './email/tokens';
import type { Mailer } from './email/transport';
import { createRateLimits } from './http/rate-limits';
import { createProcessLocks } from './jobs/singleton';
import type { Log } from './log';
import type { Metrics } from './metrics';
import { createNoticePump } from './subscribers/notices';

/**
 * Every dependency the app and the jobs use, from parts the entry point chooses for its runtime
 * (mailer, webhook transport, metrics, file sources). Imports nothing Node-only, so the Workers entry uses it
 * too; the Node entry, the tests and the benches go through assembleDeps (assemble-deps.ts).
 */
export function composeDeps(input: {
  config: Config;
  database: Pick<DatabaseHandle, 'db' | 'kind' | 'pool'>;
  clock: Clock;
  log: Log;
  appSecret: string;
  metrics: Metrics;
  mailer: Mailer;
  webhookTransport: WebhookHttpClient;
  readFileSource?: FileSourceReader;
  isAcceptingWork?: () => boolean;
}): Deps {
  const { config, database, clock, log, appSecret, metrics, mailer, webhookTransport, readFileSource } = input;
  const deps: Deps = {
    config,
    db: database.db,
    dbKind: database.kind,
    processLocks: createProcessLocks(),
    clock,
    appSecret,
    log,
    metrics,
    mailer,
    rateLimits: createRateLimits(),
    noticePump: createNoticePump(),
    background: createBackgroundTasks((name, error) => log.error({ err: error, task: name }, 'background task failed')),
    tokens: createTokenSigner(appSecret, clock),
    webhookPump: createWebhookPump((error) => log.error({ err: error }, 'webhook pass failed'), { pool: database.pool }),
    webhookTransport,
    instanceId: crypto.randomUUID(),
    ...(readFileSource && { readFileSource }),
    ...(input.isAcceptingWork && { isAcceptingWork: input.isAcceptingWork }),
  };
  deps.webhookPump.attach(deps);
  deps.noticePump.attach(deps);
  metrics.observeQueues(
    () => readQueueDepths(database.db, clock.now()),
    (error) => log.warn({ err: error }, 'metrics: cannot read the queue depths'),
  );
  return deps;
}
