import { type ScheduledTask, schedule } from 'node-cron';
import { runCleanup } from '../alerts/cleanup/run-cleanup';
import { runDetection } from '../alerts/detector/run-detection';
import { runDigestTick } from '../alerts/digest/runner';
import type { Deps } from '../deps';
import { acceptingWork } from './accepting-work';

export type JobName = 'detect' | 'webhooks' | 'signupNotices' | 'digest' | 'cleanup';

export interface ScheduledJobs {
  /** Runs a job now, outside its schedule (a first detection at start-up), tracked like the rest. */
  runNow(name: JobName): void;
  /** Stops every schedule; runs in progress go on (see `idle`). */
  stop(): Promise<void>;
  /** Resolves when no run started here is in progress. */
  idle(): Promise<void>;
}

/**
 * The Node process's cron schedules. Every job is safe to run on all instances at once
 * (detection and cleanup are singletons; digests and webhooks are SKIP LOCKED queues), so
 * schedules may fire everywhere; `noOverlap` only saves a wasted attempt in this process.
 */
export function scheduleJobs(deps: Deps): ScheduledJobs {
  const jobs: Record<JobName, { cron: string; run: () => Promise<unknown> }> = {
    detect: { cron: deps.config.cron.detect, run: () => runDetection(deps, 'cron') },
    webhooks: { cron: deps.config.cron.webhooks, run: async () => deps.webhookPump.kick() },
    // The pump is kicked after each sign-up commits; this is the safety net for notices left behind.
    signupNotices: { cron: '* * * * *', run: async () => deps.noticePump.kick() },
    digest: { cron: deps.config.cron.digest, run: () => runDigestTick(deps, { asOf: deps.clock.now(), trigger: 'cron' }) },
    cleanup: { cron: deps.config.cron.cleanup, run: () => runCleanup(deps) },
  };
  const running = new Set<Promise<void>>();
  const track = (name: JobName, run: () => Promise<unknown>) => {
    const promise: Promise<void> = run()
      .then(() => undefined)
      .catch((error: unknown) => deps.log.error({ err: error, job: name }, 'job failed'))
      .finally(() => running.delete(promise));
    running.add(promise);
    return promise;
  };
  const tasks: ScheduledTask[] = (Object.keys(jobs) as JobName[]).map((name) =>
    schedule(jobs[name].cron, () => track(name, jobs[name].run), { name, noOverlap: true }),
  );
  // The cron is the webhooks' safety net; NOTIFY from any instance wakes the pump at once.
  deps.webhookPump
    .listen()
    .catch((error: unknown) => deps.log.error({ err: error }, 'webhooks: cannot listen for wake-ups; the cron still runs'));
  return {
    runNow: (name) => {
      if (acceptingWork(deps)) void track(name, name === 'detect' ? () => runDetection(deps, 'startup') : jobs[name].run);
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
