import { runCleanup } from '../alerts/cleanup/run-cleanup';
import { runDetection } from '../alerts/detector/run-detection';
import { runDigestTick } from '../alerts/digest/runner';
import type { Deps } from '../deps';

export interface ScheduledJob {
  name: string;
  /** One of the Cron Triggers in wrangler.toml [triggers]: Cloudflare passes it as event.cron. */
  cron: string;
  run(deps: Deps): Promise<unknown>;
}

/**
 * The Node cron's jobs (jobs/schedule.ts) on Cron Triggers, which have minute resolution: webhooks
 * run every minute instead of every 10 s (new changes are also pushed right after ingestion and
 * detection). Several jobs may share a cron. To add a job, add a line here and its cron to wrangler.toml.
 */
export const scheduledJobs: readonly ScheduledJob[] = [
  {
    name: 'detect',
    cron: '*/15 * * * *',
    run: async (deps) => {
      const outcome = await runDetection(deps, 'cron');
      if (!outcome.ran) deps.log.warn({ job: 'detect' }, 'detection skipped: another run holds its lease');
    },
  },
  { name: 'digest', cron: '*/15 * * * *', run: (deps) => runDigestTick(deps, { asOf: deps.clock.now(), trigger: 'cron' }) },
  {
    name: 'webhooks',
    cron: '* * * * *',
    run: async (deps) => {
      deps.webhookPump.kick();
      await deps.webhookPump.idle();
    },
  },
  // Sign-up notices are sent right after each sign-up commits; this is the safety net, as on Node.
  {
    name: 'signupNotices',
    cron: '* * * * *',
    run: async (deps) => {
      deps.noticePump.kick();
      await deps.background.idle();
    },
  },
  { name: 'cleanup', cron: '17 3 * * *', run: (deps) => runCleanup(deps) },
];

export function jobsForCron(cron: string): ScheduledJob[] {
  return scheduledJobs.filter((job) => job.cron === cron);
}
