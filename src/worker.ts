import type { ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import { workersWebhookClient } from './alerts/webhooks/http/workers-client';
import { createApp } from './app';
import { systemClock } from './clock';
import { ConfigError } from './config';
import { openPostgres } from './db/postgres';
import { encryptingForSubscribers } from './email/encrypt-for-subscribers';
import { createResendMailer } from './email/resend';
import { createTokenSigner } from './email/tokens';
import { jobsOnCron } from './jobs/catalogue';
import { createLogger } from './log';
import { createMetrics } from './metrics';
import { DOCS_VIEWER_PATH } from './routes/docs/viewer-path';
import { createDeps, type Deps, servicesIdle } from './services';
import { parseWorkerConfig, type WorkerEnv } from './worker/config';

/**
 * Cloudflare Workers entry: the same app as the Node server, and the catalogue's jobs on Cron
 * Triggers. Each invocation opens its own resources (a pg pool through Hyperdrive) and closes
 * them in waitUntil, after the work it started (emails, webhook passes) is done.
 */
export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let scope: WorkerScope;
    try {
      scope = openWorkerScope(env);
    } catch (error) {
      return configurationProblem(error);
    }
    try {
      return await createApp(scope.deps).fetch(request);
    } finally {
      ctx.waitUntil(scope.close());
    }
  },

  async scheduled(event: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const scope = openWorkerScope(env);
    const { log } = scope.deps;
    const jobs = jobsOnCron(event.cron);
    if (jobs.length === 0) log.warn({ cron: event.cron }, 'no job runs on this Cron Trigger');
    const run = (async () => {
      try {
        const results = await Promise.allSettled(jobs.map((job) => job.run(scope.deps, 'cron')));
        results.forEach((result, index) => {
          if (result.status === 'rejected') log.error({ err: result.reason, job: jobs[index]!.name }, 'job failed');
        });
        // A failed job makes the Cron Trigger's event fail, so it shows in Cloudflare's cron history.
        if (results.some((result) => result.status === 'rejected')) throw new Error(`job failed on cron ${event.cron}`);
      } finally {
        await scope.close();
      }
    })();
    ctx.waitUntil(run);
    await run;
  },
};

/** Workers allow six simultaneous outgoing connections per invocation; keep one for fetch. */
const MAX_DB_CONNECTIONS = 5;

interface WorkerScope {
  deps: Deps;
  /** Waits for work started in this invocation (emails, webhook passes), then closes the database. */
  close(): Promise<void>;
}

/**
 * The resources and services of one invocation (a request or a scheduled event): Hyperdrive
 * pools the database connections, so each invocation opens its own pg pool and closes it in
 * ctx.waitUntil. No PGlite, outbox, node-cron or file system here: the mailer is Resend over fetch.
 */
function openWorkerScope(env: WorkerEnv): WorkerScope {
  const config = parseWorkerConfig(env);
  const log = createLogger({ level: config.logLevel });
  const database = openPostgres(config.databaseUrl!, { max: MAX_DB_CONNECTIONS, preparedStatements: false });
  const metrics = createMetrics();
  const clock = systemClock;
  const appSecret = config.appSecret!;
  const deps = createDeps({
    config,
    db: database.db,
    dbKind: database.kind,
    pool: database.pool,
    clock,
    log,
    metrics,
    // No SMTP on Workers (nodemailer needs TCP sockets): a subscriber with a key (given through a Node
    // instance) gets nothing from here rather than email in clear; Resend refuses the encrypted message.
    mailer: encryptingForSubscribers(
      createResendMailer({
        apiKey: config.resend!.apiKey,
        baseUrl: config.resend!.baseUrl,
        defaultFrom: config.emailFrom,
        clock,
        log,
        metrics: metrics.email,
      }),
      database.db,
    ),
    webhookHttp: workersWebhookClient,
    instanceId: crypto.randomUUID(),
    isAcceptingWork: () => true,
    appSecret,
    tokens: createTokenSigner(appSecret, clock),
    // The public feeds' head and answers outlive the invocation there (one cache per data centre).
    httpCache: (caches as unknown as { default: Cache }).default,
    // The script itself is a static asset (wrangler.toml [assets]), served before the Worker runs.
    loadDocsViewer: () => ({ path: DOCS_VIEWER_PATH }),
  });
  return {
    deps,
    async close() {
      try {
        await servicesIdle(deps);
      } finally {
        await database.close();
      }
    },
  };
}

/** Bad Worker configuration: a 500 naming each variable (never a value), and the same in the log. */
function configurationProblem(error: unknown): Response {
  if (!(error instanceof ConfigError)) throw error;
  console.error(JSON.stringify({ level: 'fatal', msg: 'invalid Worker configuration', problems: error.problems }));
  return Response.json(
    {
      type: 'about:blank',
      title: 'Service misconfigured',
      status: 500,
      detail: 'The Worker configuration is invalid; the operator log names each variable.',
    },
    { status: 500, headers: { 'content-type': 'application/problem+json' } },
  );
}
