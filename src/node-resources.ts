import { readFileSource } from './alerts/detector/file-source';
import { nodeHttpSourceReader } from './alerts/detector/node-http-source';
import type { WebhookHttpClient } from './alerts/webhooks/http/contract';
import { nodeWebhookClient } from './alerts/webhooks/http/node-client';
import { resolveAppSecret } from './app-secret';
import { type Clock, systemClock } from './clock';
import { type Config, ConfigError, loadConfig } from './config';
import { type DatabaseHandle, openDatabase } from './db/connect';
import { migrateToLatest } from './db/migrate';
import { createMailer } from './email/create-mailer';
import { encryptingForSubscribers } from './email/encrypt-for-subscribers';
import { createTokenSigner } from './email/tokens';
import type { Mailer } from './email/transport';
import { createLogger, type Log, stderrDestination } from './log';
import { createMetrics, type Metrics } from './metrics';
import type { Resources } from './resources';
import { readDocsViewer } from './routes/docs/viewer';
import { taxonomySeed } from './taxonomy/seed';

/**
 * The Node process's resources from what only the caller knows (config, the open database, the
 * clock, the logger): the outbox or Resend mailer, the pinned webhook transport, `file:` sources.
 * openNodeResources uses it; the test kit and the benches call it with their own parts.
 */
export function nodeResources(input: {
  config: Config;
  database: Pick<DatabaseHandle, 'db' | 'kind' | 'pool'>;
  clock: Clock;
  log: Log;
  appSecret: string;
  metrics?: Metrics;
  mailer?: Mailer;
  webhookHttp?: WebhookHttpClient;
  isAcceptingWork?: () => boolean;
}): Resources {
  const { config, database, clock, log, appSecret } = input;
  const metrics = input.metrics ?? createMetrics();
  return {
    config,
    db: database.db,
    dbKind: database.kind,
    pool: database.pool,
    clock,
    log,
    metrics,
    mailer: encryptingForSubscribers(input.mailer ?? createMailer({ config, clock, log, metrics: metrics.email }), database.db),
    webhookHttp: input.webhookHttp ?? nodeWebhookClient,
    instanceId: crypto.randomUUID(),
    isAcceptingWork: input.isAcceptingWork ?? (() => true),
    appSecret,
    tokens: createTokenSigner(appSecret, clock),
    readFileSource,
    readHttpSource: nodeHttpSourceReader(),
    loadDocsViewer: readDocsViewer,
  };
}

/**
 * Shared by the server and the operator commands (src/cli): the config (exit 1 naming each bad
 * variable), the logger, the database opened and migrated (exit 1 if it cannot be), the metrics.
 */
export async function openNodeResources(
  options: { processMetrics?: boolean; isAcceptingWork?: () => boolean; logToStderr?: boolean } = {},
): Promise<{ resources: Resources; database: DatabaseHandle }> {
  const config = loadConfigOrExit();
  const log = createLogger({ level: config.logLevel, ...(options.logToStderr ? { destination: stderrDestination() } : {}) });
  let database: DatabaseHandle;
  try {
    database = await openDatabase(config);
    const { applied } = await migrateToLatest(database.db, taxonomySeed);
    log.info({ database: database.kind, applied }, 'database ready');
  } catch (error) {
    log.fatal({ err: error }, 'start-up failed: database');
    const cause = (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
    process.stderr.write(`tracker-alerts: cannot open or migrate the database, not serving: ${(error as Error).message}${cause}\n`);
    process.exit(1);
  }
  const resources = nodeResources({
    config,
    database,
    clock: systemClock,
    log,
    appSecret: resolveAppSecret(config),
    metrics: createMetrics({ processMetrics: options.processMetrics ?? false }),
    ...(options.isAcceptingWork ? { isAcceptingWork: options.isAcceptingWork } : {}),
  });
  return { resources, database };
}

/** Bad configuration: one line per problem naming the variable, exit 1, no stack trace. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write('tracker-alerts: invalid configuration\n');
      for (const line of error.problems) process.stderr.write(`  ${line}\n`);
      process.exit(1);
    }
    throw error;
  }
}
