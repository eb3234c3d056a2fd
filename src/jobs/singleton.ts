import type { Clock } from '../clock';
import type { Db } from '../db/database';
import { jobLeaseOwner } from '../db/queue/lease-owner';
import { releaseJobLease } from '../db/queue/release-job-lease';
import { renewJobLease } from '../db/queue/renew-job-lease';
import { type JobLease, takeJobLease } from '../db/queue/take-job-lease';
import type { Log } from '../log';

/** Names of the singleton jobs this process is running now. */
export type ProcessLocks = Set<string>;

export const createProcessLocks = (): ProcessLocks => new Set();

export interface SingletonDeps {
  db: Db;
  processLocks: ProcessLocks;
  clock: Clock;
  log: Log;
  instanceId: string;
  config: { jobLeaseMs: number };
}

export type SingletonResult<T> = { ran: true; value: T } | { ran: false };

/**
 * Runs `work` unless another run of the same job is in progress: in this process (a local
 * guard) or in any instance sharing the database (a lease row, renewed while the work runs).
 * A lease row rather than a session advisory lock, because transaction-mode pools (Hyperdrive)
 * do not keep a session on one server connection. A process killed mid-run leaves its lease to
 * run out (JOB_LEASE); the work itself must be safe to repeat.
 */
export async function runSingleton<T>(deps: SingletonDeps, name: string, work: (db: Db) => Promise<T>): Promise<SingletonResult<T>> {
  if (deps.processLocks.has(name)) return { ran: false };
  deps.processLocks.add(name);
  try {
    const lease: JobLease = { name, owner: jobLeaseOwner(name, deps.instanceId) };
    if (!(await takeJobLease(deps.db, lease, deps.clock.now(), leaseEnd(deps)))) return { ran: false };
    const heartbeat = setInterval(() => void renew(deps, lease), Math.max(1_000, Math.floor(deps.config.jobLeaseMs / 3)));
    try {
      return { ran: true, value: await work(deps.db) };
    } finally {
      clearInterval(heartbeat);
      await releaseJobLease(deps.db, lease).catch((error: unknown) =>
        deps.log.warn({ err: error, job: name }, 'could not release a job lease; it runs out by itself'),
      );
    }
  } finally {
    deps.processLocks.delete(name);
  }
}

const leaseEnd = (deps: SingletonDeps): Date => new Date(deps.clock.now().getTime() + deps.config.jobLeaseMs);

async function renew(deps: SingletonDeps, lease: JobLease): Promise<void> {
  try {
    if (!(await renewJobLease(deps.db, lease, leaseEnd(deps))))
      deps.log.warn({ job: lease.name }, 'a job lease was lost while the job ran (it outlived JOB_LEASE without renewal)');
  } catch (error) {
    deps.log.warn({ err: error, job: lease.name }, 'could not renew a job lease');
  }
}
