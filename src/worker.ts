import type { ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import { createApp } from './app';
import { ConfigError } from './config';
import type { WorkerEnv } from './worker/config';
import { openWorkerScope } from './worker/deps';
import { jobsForCron } from './worker/jobs';

/**
 * Cloudflare Workers entry: the same app as the Node server, and the same jobs on Cron Triggers.
 * Each invocation opens its own deps (a pg pool through Hyperdrive) and closes them in waitUntil,
 * after the work it started (emails, webhook passes) is done.
 */
export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let scope: ReturnType<typeof openWorkerScope>;
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
    const jobs = jobsForCron(event.cron);
    if (jobs.length === 0) log.warn({ cron: event.cron }, 'no job runs on this Cron Trigger');
    const run = (async () => {
      try {
        const results = await Promise.allSettled(jobs.map((job) => job.run(scope.deps)));
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
