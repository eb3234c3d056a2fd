/**
 * The app's dependencies for benches and load tests, built in one place the way the app builds
 * them (`createDeps(nodeResources(...))`, as `testkit/app.ts` and `openNodeResources` do): config parsed from `env`, the
 * system clock, a silent logger unless one is given.
 */
import { type Clock, systemClock } from '../src/clock';
import { parseConfig } from '../src/config';
import type { DatabaseHandle } from '../src/db/connect';
import type { Mailer } from '../src/email/transport';
import { createLogger, type Log } from '../src/log';
import type { Metrics } from '../src/metrics';
import { nodeResources } from '../src/node-resources';
import { createDeps, type Deps } from '../src/services';

export const BENCH_APP_SECRET = 'bench-app-secret-0123456789-0123456789-0123456789';

export function createBenchDeps(
  database: Pick<DatabaseHandle, 'db' | 'kind' | 'pool'>,
  env: Record<string, string>,
  options: { log?: Log; clock?: Clock; metrics?: Metrics; mailer?: Mailer } = {},
): Deps {
  const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
  const { clock = systemClock, log = createLogger({ level: 'silent' }), metrics, mailer } = options;
  return createDeps(nodeResources({ config, database, clock, log, appSecret: env.APP_SECRET ?? BENCH_APP_SECRET, metrics, mailer }));
}
