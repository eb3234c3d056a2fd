import { serve } from '@hono/node-server';
import { seedDemoSubscribers } from './alerts/sources/demo/subscribers';
import { createApp } from './app';
import { bootNode } from './boot';
import { scheduleJobs } from './jobs/schedule';
import { createLifecycle } from './lifecycle';

/**
 * Node entry: parse config, wire deps (the database migrated before anything listens), serve
 * HTTP, schedule the jobs, and hand signals to the lifecycle (src/lifecycle.ts).
 */
const lifecycle = createLifecycle();
const { deps, database } = await bootNode({ processMetrics: true, isAcceptingWork: lifecycle.accepting });
const { config, log } = deps;
const app = createApp(deps);

const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
  const local = `http://localhost:${info.port}`;
  log.info({ port: info.port, database: database.kind, docs: `${local}/docs` }, 'listening');
  const db = database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL';
  const mailer = deps.mailer as typeof deps.mailer & { dir?: string };
  const email = mailer.kind === 'outbox' ? `written as .eml files to ${mailer.dir}` : 'sent through Resend';
  process.stdout.write(
    `\ntracker-alerts is running on ${local}\n  database: ${db}\n  email: ${email}\n  sign-up page: ${local}/\nAPI docs: ${local}/docs\n\n`,
  );
});

const jobs = scheduleJobs(deps);
lifecycle.handleSignals({ deps, database, server, jobs, exit: (code) => process.exit(code) });
await seedDemoSubscribers(deps);
// A first detection right away, so a fresh start shows events without waiting for the cron.
jobs.runNow('detect');
