/** Starts the subscriber load generator (`subscriber-load-process.ts`) in a child process. */
import { type ChildProcess, fork } from 'node:child_process';
import { performance as nodePerformance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from '../src/db/database';
import type { startFakeResendProcess } from './fake-resend-process';
import { cpuMeter, postgresBackends } from './machine';
import type { AppUnderTest } from './subscriber-app';
import type { LoadRequest, LoadSummary, Scenario } from './subscriber-load-process';

export type { LoadRequest, LoadSummary, Pattern, Scenario } from './subscriber-load-process';
export { choices } from './subscriber-load-process';

/** The child, forked with tsx's loader; answers one run per message. */
export function startLoadGenerator(): Promise<{
  child: ChildProcess;
  run(request: Omit<LoadRequest, 'type'>): Promise<LoadSummary>;
  stop(): Promise<void>;
}> {
  const child = fork(fileURLToPath(new URL('./subscriber-load-process.ts', import.meta.url)), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let waiting: { resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined;
  child.on('message', (message: { type: string; summary?: LoadSummary; message?: string }) => {
    const w = waiting;
    waiting = undefined;
    if (message.type === 'error') w?.reject(new Error(`load generator: ${message.message}`));
    else w?.resolve(message.summary);
  });
  child.on('exit', (code) => waiting?.reject(new Error(`load generator exited (${code})`)));
  const next = () => new Promise((resolve, reject) => (waiting = { resolve, reject }));
  return next().then(() => ({
    child,
    run: (request) => {
      const answer = next() as Promise<LoadSummary>;
      child.send({ type: 'run', ...request });
      return answer;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'exit' });
        setTimeout(() => child.kill(), 5_000).unref();
      }),
  }));
}

/** One run's figures: the load summary, the emails of sign-ups, the app's event loop and each process's CPU per request. */
export interface Measured extends LoadSummary {
  phase: 'full' | 'burst' | 'paced';
  transport: 'outbox' | 'resend';
  /** Sign-up only: confirmation emails handed over when the run ended, after the drain, and the drain's ms. */
  emails?: { atEnd: number; after: number; drainMs: number };
  elu: number;
  /** CPU ms per request of the app, PostgreSQL's backends of the database, the load generator, the fake Resend. */
  cpu: { app: number; postgres: number; load: number; resend?: number };
}

export type LoadContext = {
  generator: Awaited<ReturnType<typeof startLoadGenerator>>;
  resend?: Awaited<ReturnType<typeof startFakeResendProcess>>;
  database: string;
  tokens: string[];
};

/** One run of one endpoint against `app`, with the CPU of every process involved over it (and, for sign-ups, until their emails left). */
export async function measureLoad(
  ctx: LoadContext,
  app: AppUnderTest,
  run: Omit<LoadRequest, 'type' | 'url' | 'tokens'> & { scenario: Scenario; phase: Measured['phase'] },
): Promise<Measured> {
  const emailsBefore = await app.emailsSent();
  const meters = {
    postgres: cpuMeter(() => postgresBackends(ctx.database)),
    load: cpuMeter(() => [ctx.generator.child.pid!]),
    resend: app.transport === 'resend' && ctx.resend ? cpuMeter(() => [ctx.resend!.pid]) : undefined,
  };
  const elu = nodePerformance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const { phase, ...request } = run;
  const summary = await ctx.generator.run({
    url: app.baseUrl,
    ...request,
    ...(run.scenario === 'preferences' ? { tokens: ctx.tokens } : {}),
  });
  const utilization = nodePerformance.eventLoopUtilization(elu).utilization;
  const atEnd = (await app.emailsSent()) - emailsBefore;
  const drainStarted = performance.now();
  await app.settle();
  const emails = { atEnd, after: (await app.emailsSent()) - emailsBefore, drainMs: performance.now() - drainStarted };
  const used = process.cpuUsage(cpu);
  const n = Math.max(1, summary.total);
  return {
    ...summary,
    phase,
    transport: app.transport,
    ...(run.scenario === 'signup' && { emails }),
    elu: utilization,
    cpu: {
      app: (used.user + used.system) / 1000 / n,
      postgres: meters.postgres() / n,
      load: meters.load() / n,
      ...(meters.resend && { resend: meters.resend() / n }),
    },
  };
}

/** What the app's tables hold after the load: pending subscribers, notices queued and failed, rate-limit rows (formatted). */
export async function stateAfter(db: Db) {
  const { rows } = await sql<{ pending: number; queued: number; failed: number; limits: number }>`
    select (select count(*)::int from subscribers where status = 'pending') as pending,
      (select count(*)::int from signup_notices where failed_at is null) as queued,
      (select count(*)::int from signup_notices where failed_at is not null) as failed,
      (select count(*)::int from rate_limits) as limits`.execute(db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, v.toLocaleString('en-US')]));
}
