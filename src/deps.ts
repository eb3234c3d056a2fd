import type { FileSourceReader } from './alerts/detector/fetch-source';
import type { WebhookHttpClient } from './alerts/webhooks/http/contract';
import type { WebhookPump } from './alerts/webhooks/pump';
import type { BackgroundTasks } from './background';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Db } from './db/database';
import type { TokenSigner } from './email/tokens';
import type { Mailer } from './email/transport';
import type { RateLimits } from './http/rate-limits';
import type { ProcessLocks } from './jobs/singleton';
import type { Log } from './log';
import type { Metrics } from './metrics';
import type { NoticePump } from './subscribers/notices';

/** Everything the app and the jobs need, built by an entry point (or a test) and passed in. */
export interface Deps {
  config: Config;
  db: Db;
  /** PGlite serves one process; PostgreSQL may be shared by several instances. */
  dbKind: 'postgres' | 'pglite';
  /** Singleton jobs running in this process (see jobs/singleton.ts). */
  processLocks: ProcessLocks;
  clock: Clock;
  /** APP_SECRET, or the development secret generated into DATA_DIR (see app-secret.ts). */
  appSecret: string;
  log: Log;
  mailer: Mailer;
  /** Work started by a request and finished after its answer (emails of sign-ups). */
  background: BackgroundTasks;
  rateLimits: RateLimits;
  /** Sends queued sign-up notices soon after they are queued (see subscribers/notices.ts). */
  noticePump: NoticePump;
  /** Fans new changes out to webhook endpoints and delivers them (see alerts/webhooks/pump.ts). */
  webhookPump: WebhookPump;
  /** How webhook requests resolve and reach hosts: differs between Node and Workers. */
  webhookTransport: WebhookHttpClient;
  /** Reads `file:` sources (SOURCE_URLS, the demo source); absent on Workers, which have no file system. */
  readFileSource?: FileSourceReader;
  /** Signs and checks the tokens of confirm, manage, unsubscribe and view links. */
  tokens: TokenSigner;
  metrics: Metrics;
  /** This process's id: part of every lease it takes, so shutdown can hand its leases back. */
  instanceId: string;
  /** False while the process drains on shutdown: /readyz then answers 503 and the jobs claim no new work. */
  isAcceptingWork?: () => boolean;
}
