import type { DatabaseHandle } from './db/connect';
import { returnInstanceLeases } from './db/queue/return-instance-leases';
import type { Deps } from './services';

/** What shutdown stops and waits for, besides the deps' own queues. */
export interface Stoppable {
  /** Stops the cron schedules (no new runs). */
  stop(): Promise<void>;
  /** Resolves when no job run is in progress. */
  idle(): Promise<void>;
}

export interface HttpServer {
  close(callback?: (error?: Error) => void): unknown;
  closeAllConnections?(): void;
}

export interface Lifecycle {
  /** False from the first signal on: /readyz answers 503 and the jobs claim no new work. */
  accepting(): boolean;
  /** Stops on SIGTERM and SIGINT (see `shutdown`); a second signal exits at once with 1. */
  handleSignals(target: ShutdownTarget): void;
}

export interface ShutdownTarget {
  deps: Deps;
  database: Pick<DatabaseHandle, 'close'>;
  server: HttpServer;
  jobs: Stoppable;
  exit: (code: number) => void;
}

/** Time kept back from the drain for handing claims back and closing the server and the pool. */
const closingReserveMs = (timeoutMs: number) => Math.min(2_000, Math.floor(timeoutMs / 2));

/**
 * The Node process's life after start-up. On SIGTERM or SIGINT, within SHUTDOWN_TIMEOUT_MS:
 *  1. stop accepting work: /readyz answers 503, cron schedules stop, jobs claim nothing new;
 *  2. let work in flight (job runs, webhook requests, sign-up emails) finish, until the timeout
 *     less a reserve;
 *  3. hand back the leases this process still holds (webhook deliveries back to the queue,
 *     digest batches claimable at once), whether or not the work finished;
 *  4. close the HTTP server, the mailer's connections (the SMTP pool) and the database pool;
 *  5. exit 0 (1 if the leases could not be handed back or the timeout ran out).
 * A second signal exits at once with 1: what it held is then released by its lease expiring.
 */
export function createLifecycle(): Lifecycle {
  let accepting = true;
  let stopping = false;
  return {
    accepting: () => accepting,
    handleSignals(target) {
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          target.deps.log.warn({ signal }, 'second signal: exiting now');
          target.exit(1);
          return;
        }
        stopping = true;
        accepting = false;
        void shutdown(target, signal);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
  };
}

async function shutdown(target: ShutdownTarget, signal: string): Promise<void> {
  const { deps, database, server, jobs, exit } = target;
  const { log } = deps;
  const timeoutMs = deps.config.shutdownTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(0, deadline - Date.now());
  const hardStop = setTimeout(() => {
    log.error({ timeoutMs }, 'shutdown did not finish within SHUTDOWN_TIMEOUT_MS: exiting');
    exit(1);
  }, timeoutMs);
  hardStop.unref();

  log.info({ signal, timeoutMs }, 'shutting down: draining');
  await jobs.stop();
  const drained = await within(
    left() - closingReserveMs(timeoutMs),
    Promise.all([jobs.idle(), deps.webhookPump.idle(), deps.instantPump.idle(), deps.background.idle()]),
  );
  if (!drained) log.warn('work still in flight at the drain deadline: handing its claims back');

  let code = 0;
  try {
    const released = await returnInstanceLeases(deps.db, deps.instanceId);
    if (released.deliveries + released.batches + released.instantAlerts > 0) log.info(released, 'leases handed back');
  } catch (error) {
    log.error({ err: error }, 'could not hand the leases back: they expire by themselves');
    code = 1;
  }
  // Requests still open after half of what is left are cut: the pool must close too.
  await within(left() / 2, closeServer(server));
  server.closeAllConnections?.();
  if (deps.mailer.close && !(await within(left() / 2, deps.mailer.close()))) log.warn('the mailer did not close in time');
  if (!(await within(left(), database.close()))) log.warn('the database pool did not close in time');
  clearTimeout(hardStop);
  log.info({ drained }, 'stopped');
  exit(code);
}

function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Resolves true when `work` settles within `ms`, false when the time runs out first. */
async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
