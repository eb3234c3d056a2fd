import type pg from 'pg';
import type { FileSourceReader, HttpSourceReader } from './alerts/detector/fetch-source';
import type { WebhookHttpClient } from './alerts/webhooks/http/contract';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Db } from './db/database';
import type { TokenSigner } from './email/tokens';
import type { Mailer } from './email/transport';
import type { Log } from './log';
import type { Metrics } from './metrics';
import type { DocsViewerAsset } from './routes/docs/viewer';

/**
 * What a runtime opens before anything runs: connections, clients and settings, with no behaviour
 * of the app in them. The Node entry (node-resources.ts), the Worker entry (worker.ts) and the
 * test kit each build one; services.ts builds the app's services from it. A leaf: it imports
 * only the types of these pieces, and none of them imports it back.
 */
export interface Resources {
  config: Config;
  db: Db;
  /** PGlite serves one process; PostgreSQL may be shared by several instances. */
  dbKind: 'postgres' | 'pglite';
  /** The pg pool behind `db` (PostgreSQL only): the webhook wake-ups LISTEN on a connection of it. */
  pool?: pg.Pool | undefined;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  mailer: Mailer;
  /** The webhook HTTP client (SSRF policy, pinned DNS on Node, fetch on Workers): see alerts/webhooks/http/. */
  webhookHttp: WebhookHttpClient;
  /** This process's id: part of every lease it takes, so shutdown can hand its leases back. */
  instanceId: string;
  /** False while the process drains on shutdown: /readyz then answers 503 and the jobs claim no new work. */
  isAcceptingWork: () => boolean;
  /** APP_SECRET, or the development secret generated into DATA_DIR (see app-secret.ts). */
  appSecret: string;
  /** Signs and checks the tokens of confirm, manage, unsubscribe and view links. */
  tokens: TokenSigner;
  /** Reads `file:` sources (SOURCE_URLS, the demo source); absent on Workers, which have no file system. */
  readFileSource?: FileSourceReader;
  /** Reads http(s) sources more cheaply than fetch (Node: undici's request API); absent: fetch. */
  readHttpSource?: HttpSourceReader;
  /** The Workers Cache API (`caches.default`): the public feeds keep their head and answers there (see http/edge-feed-cache.ts); absent on Node, where the process keeps them. */
  httpCache?: Cache;
  /** The /docs viewer's script from the installed package, read on first use; absent on Workers (no file system). */
  loadDocsViewer?: () => DocsViewerAsset;
}
