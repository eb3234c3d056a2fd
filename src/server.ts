import { serve } from '@hono/node-server';
import { createApp } from './app';
import { runDetection } from './alerts/detector/run-detection';
import { seedDemoSubscribers } from './alerts/sources/demo/subscribers';
import { bootNode } from './boot';
import { scheduleJobs } from './jobs/schedule';

/** Node entry: parse config, wire deps, serve HTTP. Jobs are scheduled here too (node-cron). */
const { deps, database } = await bootNode({ processMetrics: true });
const { config, log } = deps;

let accepting = true;
const app = createApp({ ...deps, isAcceptingWork: () => accepting });

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

await seedDemoSubscribers(deps);
const jobs = scheduleJobs(deps);
// A first detection right away, so a fresh start shows events without waiting for the cron.
void runDetection(deps, 'startup').catch((error) => log.error({ err: error }, 'start-up detection failed'));

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    log.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  accepting = false;
  log.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    log.error('shutdown took too long: exiting');
    process.exit(1);
  }, 10_000);
  deadline.unref();
  await jobs.stop();
  await deps.webhookPump.idle();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await deps.background.idle();
  await database.close();
  log.info('stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
