import { readFileSource } from './alerts/detector/file-source';
import type { WebhookHttpClient } from './alerts/webhooks/http/contract';
import { nodeWebhookClient } from './alerts/webhooks/http/node-client';
import type { Clock } from './clock';
import { composeDeps } from './compose-deps';
import type { Config } from './config';
import type { DatabaseHandle } from './db/connect';
import type { Deps } from './deps';
import { createMailer } from './email/create-mailer';
import type { Mailer } from './email/transport';
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
  isAcceptingWork?: () => boolean;
  webhookTransport?: WebhookHttpClient;
}): Deps {
  const { config, clock, log } = input;
  const metrics = input.metrics ?? createMetrics();
  return composeDeps({
    ...input,
    metrics,
    mailer: input.mailer ?? createMailer({ config, clock, log, metrics: metrics.email }),
    webhookTransport: input.webhookTransport ?? nodeWebhookClient,
    readFileSource,
  });
}
