import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { parseTrustedProxies, type TrustedProxies } from './http/trusted-proxies';
import { findTrackerCountry, findTrackerCountryBySlug, trackerCountries } from './taxonomy/tracker-countries';

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

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `5s`, `5m`, `2h`, `1d`, or a bare number of milliseconds. */
function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 'ms']!);
}

const duration = (fallback: string, bounds: { minMs: number; maxMs: number; why?: string }) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30s, 5m or 2h` });
        return z.NEVER;
      }
      if (ms < bounds.minMs || ms > bounds.maxMs) {
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${bounds.minMs} ms and ${bounds.maxMs} ms${bounds.why ? ` (${bounds.why})` : ''}`,
        });
        return z.NEVER;
      }
      return ms;
    });

/** A comma-separated list of durations: the waits before each retry, in order. */
const durationList = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((text, ctx) => {
      const parts = text.split(',').map((part) => part.trim());
      const values = parts.map(parseDuration);
      const bad = parts.filter((_, i) => values[i] === undefined || values[i]! < 100 || values[i]! > 7 * 86_400_000);
      if (parts.length === 0 || parts.length > 20 || bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message:
            bad.length > 0
              ? `"${bad[0]}" is not a duration between 100ms and 7d (write e.g. 5s,5m,30m)`
              : 'must list between 1 and 20 durations, e.g. 5s,5m,30m',
        });
        return z.NEVER;
      }
      return values as number[];
    });

const httpUrl = z
  .string()
  .trim()
  .url()
  .refine((value) => /^https?:\/\//.test(value), { message: 'must be an http(s) URL' });

const envSchema = z.object({
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
  APP_SECRET: optionalString.pipe(z.string().min(32, { message: 'must be at least 32 characters' }).optional()),
  ADMIN_TOKEN: optionalString.pipe(z.string().min(16, { message: 'must be at least 16 characters' }).optional()),
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, { message: 'must be at least 16 characters' }).optional()),
  RESEND_API_KEY: optionalString,
  RESEND_BASE_URL: optionalString.pipe(httpUrl.optional()),
  SMTP_URL: optionalString.pipe(
    z
      .string()
      .refine((value) => /^smtps?:\/\/[^/\s]+/.test(value), { message: 'must be an smtp:// or smtps:// URL (smtps://user:pass@host:465)' })
      .optional(),
  ),
  RESEND_WEBHOOK_SECRET: optionalString.pipe(
    z.string().startsWith('whsec_', { message: "must be the signing secret Resend shows, starting with 'whsec_'" }).optional(),
  ),
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const trusted = parseTrustedProxies(value);
      if ('error' in trusted) {
        ctx.addIssue({ code: 'custom', message: trusted.error });
        return z.NEVER;
      }
      return trusted;
    }),
  // The name every email signs with (DEFAULT_SITE_NAME in the templates).
  EMAIL_FROM: z.string().trim().min(3).default('Democracy Tracker <alerts@localhost>'),
  SOURCE_URLS: optionalString,
  SOURCE_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  // Set but empty (`TRACKER_BASE_URL=`) means unset: no crawl.
  TRACKER_BASE_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .trim()
      .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), { message: 'must be an http(s) URL' })
      .optional(),
  ),
  TRACKER_COUNTRIES: optionalString,
  TRACKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  TRACKER_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
  SOURCE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(20 * 1024 * 1024),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z
    .enum(['0', '1', 'true', 'false', ''])
    .default('')
    .transform((value) => value === '1' || value === 'true'),
  WEBHOOK_ALLOWED_PORTS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const ports = value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const bad = ports.find((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65_535);
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not a port (comma-separated numbers from 1 to 65535, e.g. 8443)` });
        return z.NEVER;
      }
      return ports.map(Number);
    }),
  CRON_DETECT: cron('*/15 * * * *'),
  CRON_DIGEST: cron('*/15 * * * *'),
  CRON_WEBHOOKS: cron('*/10 * * * * *'),
  CRON_CLEANUP: cron('17 3 * * *'),
  RETENTION_UNCONFIRMED_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  RETENTION_WEBHOOK_ATTEMPTS_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RETENTION_OUTBOX_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  WEBHOOK_RETRY_SCHEDULE: durationList('5s,5m,30m,2h,5h,10h,10h'),
  // A claim must outlive the 10 s request timeout, or a slow delivery would be claimed twice.
  WEBHOOK_DELIVERY_LEASE: duration('60s', { minMs: 15_000, maxMs: 86_400_000, why: 'longer than the 10 s request timeout' }),
  DIGEST_RETRY_SCHEDULE: durationList('30s,2m,10m,30m,1h'),
  DIGEST_BATCH_LEASE: duration('10m', { minMs: 5_000, maxMs: 86_400_000 }),
  JOB_LEASE: duration('1m', { minMs: 3_000, maxMs: 86_400_000 }),
  INSTANT_ALERT_MIN_INTERVAL: duration('6h', { minMs: 1_000, maxMs: 7 * 86_400_000 }),
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
  /** Bearer token for /metrics; unset: /metrics answers 503. */
  metricsToken: string | undefined;
  resend: { apiKey: string; baseUrl: string | undefined } | undefined;
  /** An SMTP relay: encrypted (PGP/MIME) email goes through it, and all email when Resend is not set. */
  smtpUrl: string | undefined;
  emailFrom: string;
  resendWebhookSecret: string | undefined;
  /** Which proxies may be believed about the client's address in X-Forwarded-For (behind proxies you run). */
  trustProxy: TrustedProxies;
  sourceUrls: string[];
  /** The tracker site crawled as a whole (TRACKER_*); unset: only SOURCE_URLS. */
  tracker: TrackerSiteConfig | undefined;
  sourceTimeoutMs: number;
  sourceMaxBytes: number;
  webhookAllowPrivateNetworks: boolean;
  /** Ports a public webhook host may use besides 443 (and 80 for http). */
  webhookAllowedPorts: number[];
  cron: { detect: string; digest: string; webhooks: string; cleanup: string };
  /** Days after which the cleanup job deletes each kind of data (see alerts/cleanup/). */
  retention: { unconfirmedDays: number; webhookAttemptsDays: number; outboxDays: number };
  /** How long SIGTERM/SIGINT may take: in-flight work finishes or is handed back within it. */
  shutdownTimeoutMs: number;
  /** Waits before each retry of a failed delivery (the last entry is the last retry), and a claim's lease. */
  webhooks: { retryScheduleMs: number[]; deliveryLeaseMs: number };
  /** Waits before a batch the provider did not take is sent again, and how long a claimed batch stays claimed. */
  digests: { retryScheduleMs: number[]; batchLeaseMs: number };
  /** How long a singleton job's lease lasts unless renewed (renewed every third of it while the job runs). */
  jobLeaseMs: number;
  /** At most one instant watch-flag alert per subscriber within this time; flags raised meanwhile go in the next. */
  instantAlerts: { minIntervalMs: number };
  logLevel: string;
}

export interface TrackerSiteConfig {
  /** The site's origin (and path prefix, if any) before `/democracytracker/...`. */
  baseUrl: string;
  /** ISO alpha-3 ids of the countries crawled, in the tracker table's order. */
  countries: string[];
  /** Requests at once to the site, and the pause between the starts of two requests. */
  concurrency: number;
  delayMs: number;
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
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
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
  const trackerCountryIds = parseTrackerCountries(env.TRACKER_COUNTRIES, problems);
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
    metricsToken: e.METRICS_TOKEN,
    resend: e.RESEND_API_KEY ? { apiKey: e.RESEND_API_KEY, baseUrl: e.RESEND_BASE_URL } : undefined,
    smtpUrl: e.SMTP_URL,
    emailFrom: e.EMAIL_FROM,
    resendWebhookSecret: e.RESEND_WEBHOOK_SECRET,
    trustProxy: e.TRUST_PROXY,
    sourceUrls,
    tracker: e.TRACKER_BASE_URL
      ? {
          baseUrl: e.TRACKER_BASE_URL.replace(/\/+$/, ''),
          countries: trackerCountryIds,
          concurrency: e.TRACKER_CONCURRENCY,
          delayMs: e.TRACKER_DELAY_MS,
        }
      : undefined,
    sourceTimeoutMs: e.SOURCE_TIMEOUT_MS,
    sourceMaxBytes: e.SOURCE_MAX_BYTES,
    webhookAllowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    webhookAllowedPorts: e.WEBHOOK_ALLOWED_PORTS,
    cron: { detect: e.CRON_DETECT, digest: e.CRON_DIGEST, webhooks: e.CRON_WEBHOOKS, cleanup: e.CRON_CLEANUP },
    retention: {
      unconfirmedDays: e.RETENTION_UNCONFIRMED_DAYS,
      webhookAttemptsDays: e.RETENTION_WEBHOOK_ATTEMPTS_DAYS,
      outboxDays: e.RETENTION_OUTBOX_DAYS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    webhooks: { retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE, deliveryLeaseMs: e.WEBHOOK_DELIVERY_LEASE },
    digests: { retryScheduleMs: e.DIGEST_RETRY_SCHEDULE, batchLeaseMs: e.DIGEST_BATCH_LEASE },
    jobLeaseMs: e.JOB_LEASE,
    instantAlerts: { minIntervalMs: e.INSTANT_ALERT_MIN_INTERVAL },
    logLevel: e.LOG_LEVEL,
  };
}

/** TRACKER_COUNTRIES: ISO alpha-3 codes or tracker slugs, comma-separated; unset: every country the tracker follows. */
function parseTrackerCountries(value: string | undefined, problems: string[]): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return trackerCountries.map((c) => c.id);
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const entry of entries) {
    const country = findTrackerCountry(entry.toUpperCase()) ?? findTrackerCountryBySlug(entry);
    if (country) ids.push(country.id);
    else unknown.push(`"${entry}"`);
  }
  if (unknown.length > 0)
    problems.push(
      `TRACKER_COUNTRIES: ${unknown.join(', ')} not among the countries the tracker follows (give ISO alpha-3 codes or tracker slugs)`,
    );
  return [...new Set(ids)];
}

/** Reads process.env: the single place in the codebase that does. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
