import { createWebhookPump } from './alerts/webhooks/pump';
import { createBackgroundTasks } from './background';
import type { Clock } from './clock';
import type { Config } from './config';
import type { DatabaseHandle } from './db/connect';
import type { Deps } from './deps';
import { createMailer } from './email/create-mailer';
import { createTokenSigner } from './email/tokens';
import type { Mailer } from './email/transport';
import { createRateLimits } from './http/rate-limits';
import { createProcessLocks } from './jobs/singleton';
import type { Log } from './log';
import { createMetrics, type Metrics } from './metrics';

/**
 * Every dependency the app and the jobs use, from what only the caller knows (config, the
 * open database, the clock, the logger). Used by the Node entry, the tests and the benches.
 */
export function assembleDeps(input: {
  config: Config;
  database: Pick<DatabaseHandle, 'db' | 'kind' | 'pool'>;
  clock: Clock;
  log: Log;
  appSecret: string;
  metrics?: Metrics;
  mailer?: Mailer;
}): Deps {
  const { config, database, clock, log, appSecret } = input;
  const metrics = input.metrics ?? createMetrics();
  const deps: Deps = {
    config,
    db: database.db,
    dbKind: database.kind,
    processLocks: createProcessLocks(),
    clock,
    appSecret,
    log,
    metrics,
    mailer: input.mailer ?? createMailer({ config, clock, log, metrics: metrics.email }),
    rateLimits: createRateLimits(database),
    background: createBackgroundTasks((name, error) => log.error({ err: error, task: name }, 'background task failed')),
    tokens: createTokenSigner(appSecret, clock),
    webhookPump: createWebhookPump((error) => log.error({ err: error }, 'webhook pass failed'), { pool: database.pool }),
  };
  deps.webhookPump.attach(deps);
  return deps;
}
