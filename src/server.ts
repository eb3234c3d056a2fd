import { serve } from '@hono/node-server';
import { type ScheduledTask, schedule } from 'node-cron';
import { demoSubscribersNote, seedDemoSubscribers } from './alerts/sources/demo/subscribers';
import { createApp } from './app';
import { type JobName, type JobTrigger, jobCatalogue, nodeSchedule } from './jobs/catalogue';
import { createLifecycle, type Stoppable } from './lifecycle';
import { openNodeResources } from './node-resources';
import { createDeps, type Deps } from './services';

/**
 * Node entry: open the resources (config, logger, the database migrated before anything
 * listens), build the services, serve HTTP, schedule the catalogue's jobs on node-cron, and hand
 * signals to the lifecycle (src/lifecycle.ts), which drains on SIGTERM and SIGINT.
 */
const lifecycle = createLifecycle();
const { resources, database } = await openNodeResources({ processMetrics: true, isAcceptingWork: lifecycle.accepting });
const deps = createDeps(resources);
const { config, log } = deps;
const app = createApp(deps);

const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
  const local = `http://localhost:${info.port}`;
  log.info({ port: info.port, database: database.kind, docs: `${local}/docs` }, 'listening');
  const db = database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL';
  const mailer = deps.mailer as typeof deps.mailer & { dir?: string };
  const email = mailer.kind === 'outbox' ? `written as .eml files to ${mailer.dir}` : 'sent through Resend';
  const demo = demoSubscribersNote(deps);
  process.stdout.write(
    `\ntracker-alerts is running on ${local}\n  database: ${db}\n  email: ${email}\n${demo ? `  ${demo}\n` : ''}  sign-up page: ${local}/\nAPI docs: ${local}/docs\n\n`,
  );
});

// A port taken or forbidden is a configuration problem: one line naming PORT, like the others.
server.on('error', (error: NodeJS.ErrnoException) => {
  const problem =
    error.code === 'EADDRINUSE'
      ? `port ${config.port} is already in use by another process; stop it or set PORT to a free port`
      : error.code === 'EACCES'
        ? `port ${config.port} needs privileges this process does not have; use a port above 1023`
        : undefined;
  if (!problem) throw error;
  process.stderr.write(`tracker-alerts: invalid configuration\n  PORT: ${problem}\n`);
  void database.close().finally(() => process.exit(1));
});

const jobs = scheduleJobs(deps);
lifecycle.handleSignals({ deps, database, server, jobs, exit: (code) => process.exit(code) });
await seedDemoSubscribers(deps);
// A first detection right away, so a fresh start shows events without waiting for the cron.
jobs.runNow('detect', 'startup');

/**
 * The catalogue's jobs on node-cron. Every job is safe to run on all instances at once
 * (detection and cleanup are singletons; digests and webhooks are SKIP LOCKED queues), so
 * schedules may fire everywhere; `noOverlap` only saves a wasted attempt in this process.
 */
function scheduleJobs(deps: Deps): Stoppable & { runNow(name: JobName, trigger: JobTrigger): void } {
  const running = new Set<Promise<void>>();
  const track = (name: JobName, run: () => Promise<unknown>) => {
    const promise: Promise<void> = run()
      .then(() => undefined)
      .catch((error: unknown) => deps.log.error({ err: error, job: name }, 'job failed'))
      .finally(() => running.delete(promise));
    running.add(promise);
    return promise;
  };
  const tasks: ScheduledTask[] = jobCatalogue.map((job) =>
    schedule(nodeSchedule(job, deps.config), () => track(job.name, () => job.run(deps, 'cron')), { name: job.name, noOverlap: true }),
  );
  // The cron is the webhooks' safety net; NOTIFY from any instance wakes the pump at once.
  deps.webhookPump
    .listen()
    .catch((error: unknown) => deps.log.error({ err: error }, 'webhooks: cannot listen for wake-ups; the cron still runs'));
  return {
    runNow: (name, trigger) => {
      const job = jobCatalogue.find((entry) => entry.name === name);
      if (job && deps.isAcceptingWork()) void track(name, () => job.run(deps, trigger));
    },
    stop: async () => {
      await Promise.all(tasks.map((task) => task.stop()));
      await deps.webhookPump.stopListening();
    },
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
