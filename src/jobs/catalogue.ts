import { runCleanup } from '../alerts/cleanup/run-cleanup';
import { type DetectionDeps, runDetection } from '../alerts/detector/run-detection';
import { runDigestTick } from '../alerts/digest/runner';
import type { InstantPump } from '../alerts/instant/pump';
import type { Config } from '../config';
import type { NoticePump } from '../subscribers/notices';

export type JobName = 'detect' | 'digest' | 'webhooks' | 'signupNotices' | 'instantAlerts' | 'cleanup';

/** What the jobs use: the resources, the process locks of the singletons, and the pumps they kick. */
export type JobDeps = DetectionDeps & { noticePump: NoticePump; instantPump: InstantPump };

/** `startup`: the Node server's first detection, run at once rather than on the schedule. */
export type JobTrigger = 'cron' | 'startup';

export interface Job {
  name: JobName;
  /**
   * The Node schedule (node-cron, seconds allowed): the variable that sets it and its default
   * (config.ts applies the default; tests/job-catalogue.test.ts holds the two and the README's
   * configuration table to this), or a fixed expression where no variable exists.
   */
  node: { variable: `CRON_${string}`; default: string; read(config: Config): string } | { fixed: string };
  /**
   * The Cron Trigger it runs on in Workers (declared in wrangler.toml [triggers]; Cloudflare
   * passes it as event.cron). Cron Triggers have minute resolution, so a job scheduled more often
   * on Node runs every minute there.
   */
  workersCron: string;
  /** One run at a time across every instance (a job lease); otherwise safe to run everywhere at once (a SKIP LOCKED queue). */
  singleton: boolean;
  /** Runs the job once. A kick returns at once: the runtime waits for the work it started (drain, or the Worker's close). */
  run(deps: JobDeps, trigger: JobTrigger): Promise<unknown>;
}

/**
 * Every background job, listed once; the Node cron (server.ts), the Worker's scheduled handler
 * (worker.ts), wrangler.toml's check and the README's configuration table all follow it. To add
 * a job: add it here, its variable to config.ts and the README, and its cron to wrangler.toml.
 */
export const jobCatalogue: readonly Job[] = [
  {
    name: 'detect',
    node: { variable: 'CRON_DETECT', default: '*/15 * * * *', read: (config) => config.cron.detect },
    workersCron: '*/15 * * * *',
    singleton: true,
    run: async (deps, trigger) => {
      const outcome = await runDetection(deps, trigger);
      if (!outcome.ran) deps.log.warn({ job: 'detect' }, 'detection skipped: another run holds its lease');
      return outcome;
    },
  },
  {
    name: 'digest',
    node: { variable: 'CRON_DIGEST', default: '*/15 * * * *', read: (config) => config.cron.digest },
    workersCron: '*/15 * * * *',
    singleton: false,
    run: (deps) => runDigestTick(deps, { asOf: deps.clock.now(), trigger: 'cron' }),
  },
  {
    // The safety net: new changes are pushed right after ingestion and detection, and NOTIFY wakes every instance.
    name: 'webhooks',
    node: { variable: 'CRON_WEBHOOKS', default: '*/10 * * * * *', read: (config) => config.cron.webhooks },
    workersCron: '* * * * *', // every minute, not every 10 s: Cron Triggers have minute resolution
    singleton: false,
    run: async (deps) => deps.webhookPump.kick(),
  },
  {
    // Sign-up notices are sent right after each sign-up commits; this is the safety net for notices left behind.
    name: 'signupNotices',
    node: { fixed: '* * * * *' },
    workersCron: '* * * * *',
    singleton: false,
    run: async (deps) => deps.noticePump.kick(),
  },
  {
    // Instant alerts go out right after detection; this sends those held back by INSTANT_ALERT_MIN_INTERVAL once it ends.
    name: 'instantAlerts',
    node: { fixed: '* * * * *' },
    workersCron: '* * * * *',
    singleton: false,
    run: async (deps) => deps.instantPump.kick(),
  },
  {
    name: 'cleanup',
    node: { variable: 'CRON_CLEANUP', default: '17 3 * * *', read: (config) => config.cron.cleanup },
    workersCron: '17 3 * * *',
    singleton: true,
    run: (deps) => runCleanup(deps),
  },
];

/** The expression node-cron runs a job on, from the config. */
export const nodeSchedule = (job: Job, config: Config): string => ('fixed' in job.node ? job.node.fixed : job.node.read(config));

/** The jobs a Workers Cron Trigger runs, in catalogue order. */
export const jobsOnCron = (cron: string): Job[] => jobCatalogue.filter((job) => job.workersCron === cron);
