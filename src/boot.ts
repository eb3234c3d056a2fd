import { resolveAppSecret } from './app-secret';
import { assembleDeps } from './assemble-deps';
import { systemClock } from './clock';
import { type Config, ConfigError, loadConfig } from './config';
import { type DatabaseHandle, openDatabase } from './db/connect';
import { migrateToLatest } from './db/migrate';
import type { Deps } from './deps';
import { createLogger } from './log';
import { createMetrics } from './metrics';

/** Shared by the Node entry points: config, logger, database (migrated), metrics. */
export async function bootNode(
  options: { processMetrics?: boolean; isAcceptingWork?: () => boolean } = {},
): Promise<{ deps: Deps; database: DatabaseHandle }> {
  const config = loadConfigOrExit();
  const log = createLogger({ level: config.logLevel });
  let database: DatabaseHandle;
  try {
    database = await openDatabase(config);
    const { applied } = await migrateToLatest(database.db);
    log.info({ database: database.kind, applied }, 'database ready');
  } catch (error) {
    log.fatal({ err: error }, 'start-up failed: database');
    const cause = (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
    process.stderr.write(`tracker-alerts: cannot open or migrate the database, not serving: ${(error as Error).message}${cause}\n`);
    process.exit(1);
  }
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? false });
  const deps = assembleDeps({
    config,
    database,
    clock: systemClock,
    log,
    appSecret: resolveAppSecret(config),
    metrics,
    ...(options.isAcceptingWork ? { isAcceptingWork: options.isAcceptingWork } : {}),
  });
  return { deps, database };
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

/** The end of a one-shot command: lets the work it started (webhook fan-out, emails) finish, then closes the database. */
export async function closeAfterWork(deps: Deps, database: DatabaseHandle): Promise<void> {
  await deps.webhookPump.idle();
  await deps.background.idle();
  await database.close();
}
