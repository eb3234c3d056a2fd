import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';

/** The only module that reads the environment. Everything else receives a Config. */

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

// Only a value that is set is checked: the defaults are valid, and the Workers bundle has no
// node-cron (its schedules are wrangler.toml's Cron Triggers; see src/worker/node-cron.ts).
const cron = (fallback: string) =>
  z
    .string()
    .trim()
    .optional()
    .refine((expr) => expr === undefined || isValidCron(expr), { message: 'is not a valid cron expression' })
    .transform((expr) => expr ?? fallback);

const httpUrl = z
  .string()
  .trim()
  .url()
  .refine((value) => /^https?:\/\//.test(value), { message: 'must be an http(s) URL' });

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_BASE_URL: httpUrl.optional(),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .refine((value) => /^postgres(ql)?:\/\//.test(value), {
          message: 'must be a postgres:// or postgresql:// connection string',
        })
        .optional(),
    ),
    DATA_DIR: z.string().trim().min(1).default('./data'),
    APP_SECRET: optionalString.pipe(
      z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
    ),
    ADMIN_TOKEN: optionalString.pipe(
      z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    ),
    RESEND_API_KEY: optionalString,
    RESEND_BASE_URL: optionalString.pipe(httpUrl.optional()),
    RESEND_WEBHOOK_SECRET: optionalString.pipe(
      z.string().startsWith('whsec_', { message: "must be the signing secret Resend shows, starting with 'whsec_'" }).optional(),
    ),
    TRUST_PROXY: z
      .enum(['0', '1', 'true', 'false', ''])
      .default('')
      .transform((value) => value === '1' || value === 'true'),
    EMAIL_FROM: z.string().trim().min(3).default('Tracker Alerts <alerts@localhost>'),
    SOURCE_URLS: optionalString,
    SOURCE_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
    SOURCE_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: z
      .enum(['0', '1', 'true', 'false', ''])
      .default('')
      .transform((value) => value === '1' || value === 'true'),
    CRON_DETECT: cron('*/15 * * * *'),
    CRON_DIGEST: cron('*/15 * * * *'),
    CRON_WEBHOOKS: cron('*/10 * * * * *'),
    CRON_CLEANUP: cron('17 3 * * *'),
    RETENTION_UNCONFIRMED_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
    RETENTION_WEBHOOK_ATTEMPTS_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    RETENTION_OUTBOX_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  });

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  publicBaseUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  appSecret: string | undefined;
  adminToken: string | undefined;
  resend: { apiKey: string; baseUrl: string | undefined } | undefined;
  emailFrom: string;
  resendWebhookSecret: string | undefined;
  /** Take the client address from X-Forwarded-For (behind a proxy you run). */
  trustProxy: boolean;
  sourceUrls: string[];
  sourceTimeoutMs: number;
  sourceMaxBytes: number;
  webhookAllowPrivateNetworks: boolean;
  cron: { detect: string; digest: string; webhooks: string; cleanup: string };
  /** Days after which the cleanup job deletes each kind of data (see alerts/cleanup/). */
  retention: { unconfirmedDays: number; webhookAttemptsDays: number; outboxDays: number };
  /** How long SIGTERM/SIGINT may take: in-flight work finishes or is handed back within it. */
  shutdownTimeoutMs: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a Config, or throws a ConfigError with one line per problem. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  // Checks across variables run even when others failed, so every problem is reported at once.
  if (env.NODE_ENV === 'production' && !env.APP_SECRET?.trim()) {
    problems.push('APP_SECRET: is required when NODE_ENV=production');
  }
  const sourceUrls = (env.SOURCE_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  for (const url of sourceUrls) {
    if (!/^(https?|file):/.test(url) || !URL.canParse(url)) {
      problems.push(`SOURCE_URLS: "${url}" is not an http(s): or file: URL`);
    }
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const e = result.data;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    appSecret: e.APP_SECRET,
    adminToken: e.ADMIN_TOKEN,
    resend: e.RESEND_API_KEY ? { apiKey: e.RESEND_API_KEY, baseUrl: e.RESEND_BASE_URL } : undefined,
    emailFrom: e.EMAIL_FROM,
    resendWebhookSecret: e.RESEND_WEBHOOK_SECRET,
    trustProxy: e.TRUST_PROXY,
    sourceUrls,
    sourceTimeoutMs: e.SOURCE_TIMEOUT_MS,
    sourceMaxBytes: e.SOURCE_MAX_BYTES,
    webhookAllowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    cron: { detect: e.CRON_DETECT, digest: e.CRON_DIGEST, webhooks: e.CRON_WEBHOOKS, cleanup: e.CRON_CLEANUP },
    retention: { unconfirmedDays: e.RETENTION_UNCONFIRMED_DAYS, webhookAttemptsDays: e.RETENTION_WEBHOOK_ATTEMPTS_DAYS, outboxDays: e.RETENTION_OUTBOX_DAYS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  };
}

/** Reads process.env: the single place in the codebase that does. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
