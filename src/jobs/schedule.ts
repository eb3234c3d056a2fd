import { schedule, type ScheduledTask } from 'node-cron';
import { runDetection } from '../alerts/detector/run-detection';
import { runDigestTick } from '../alerts/digest/runner';
import type { Deps } from '../deps';

/**
 * The Node process's cron schedules. Every job is safe to run on all instances at once
 * (detection is a singleton; digests and webhooks are SKIP LOCKED queues), so schedules may
 * fire everywhere; `noOverlap` only saves a wasted attempt in this process.
 */
export function scheduleJobs(deps: Deps): { stop(): Promise<void> } {
  const jobs: Record<string, { cron: string; run: () => Promise<unknown> }> = {
    detect: { cron: deps.config.cron.detect, run: () => runDetection(deps, 'cron') },
    webhooks: { cron: deps.config.cron.webhooks, run: async () => deps.webhookPump.kick() },
    digest: { cron: deps.config.cron.digest, run: () => runDigestTick(deps, { asOf: deps.clock.now(), trigger: 'cron' }) },
  };
  const tasks: ScheduledTask[] = Object.entries(jobs).map(([name, job]) =>
    schedule(
      job.cron,
      async () => {
        try {
          await job.run();
        } catch (error) {
          deps.log.error({ err: error, job: name }, 'job failed');
        }
      },
      { name, noOverlap: true },
    ),
  );
  // The cron is the webhooks' safety net; NOTIFY from any instance wakes the pump at once.
  void deps.webhookPump.listen();
  return {
    stop: async () => {
      await Promise.all(tasks.map((task) => task.stop()));
      await deps.webhookPump.stopListening();
    },
  };
}
