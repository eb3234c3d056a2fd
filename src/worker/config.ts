import { type Config, ConfigError, parseConfig } from '../config';

/** The Worker's bindings and variables (wrangler.toml [vars], secrets, the Hyperdrive binding). */
export interface WorkerEnv {
  HYPERDRIVE: { connectionString: string };
  [name: string]: unknown;
}

/** Variables that mean something only to the Node process. */
const nodeOnly: Record<string, string> = {
  CRON_DETECT: 'schedules are the Cron Triggers in wrangler.toml [triggers]',
  CRON_DIGEST: 'schedules are the Cron Triggers in wrangler.toml [triggers]',
  CRON_WEBHOOKS: 'schedules are the Cron Triggers in wrangler.toml [triggers]',
  CRON_CLEANUP: 'schedules are the Cron Triggers in wrangler.toml [triggers]',
  DATABASE_URL: 'the database is the HYPERDRIVE binding',
  DATA_DIR: 'a Worker has no file system (no outbox, no generated APP_SECRET)',
  PORT: 'Cloudflare serves the Worker',
};

/**
 * The same zod config as Node, fed from the Worker's string variables, with DATABASE_URL taken
 * from the Hyperdrive binding. A Worker has no file system, so APP_SECRET, RESEND_API_KEY (there
 * is no outbox folder) and http(s) SOURCE_URLS (the demo source is files) are required.
 * Node-only variables are refused, naming what to do instead. Every problem is reported at once.
 */
export function parseWorkerConfig(env: WorkerEnv): Config {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') vars[name] = value;
  const problems = Object.keys(nodeOnly)
    .filter((name) => name in vars)
    .map((name) => `${name}: is not used on Workers: ${nodeOnly[name]}`);
  if (!vars.APP_SECRET?.trim()) problems.push('APP_SECRET: is required on Workers (set it with `wrangler secret put APP_SECRET`)');
  if (!vars.RESEND_API_KEY?.trim())
    problems.push('RESEND_API_KEY: is required on Workers: email goes through Resend (there is no outbox folder)');
  const connectionString = env.HYPERDRIVE?.connectionString;
  if (typeof connectionString !== 'string')
    problems.push('HYPERDRIVE: the Hyperdrive binding is missing (see [[hyperdrive]] in wrangler.toml)');
  let config: Config | undefined;
  try {
    const { CRON_DETECT, CRON_DIGEST, CRON_WEBHOOKS, CRON_CLEANUP, DATA_DIR, PORT, ...rest } = vars;
    config = parseConfig({ ...rest, DATABASE_URL: connectionString });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (config && config.sourceUrls.length === 0 && !config.tracker)
    problems.push('SOURCE_URLS: is required on Workers unless TRACKER_BASE_URL is set: the bundled demo source is read from files');
  if (config?.sourceUrls.some((url) => url.startsWith('file:')))
    problems.push('SOURCE_URLS: file: URLs cannot be read on Workers (no file system); use http(s)');
  // One line per variable: the Workers reason first (APP_SECRET is also required by NODE_ENV=production).
  const named = new Set<string>();
  const lines = problems.filter((line) => {
    const variable = line.split(':')[0]!;
    if (named.has(variable)) return false;
    named.add(variable);
    return true;
  });
  if (lines.length > 0 || !config) throw new ConfigError(lines);
  return config;
}
