/**
 * Lease owners name the job and the process that took them (`dispatch-<instance>-<uuid>`), so
 * a process shutting down can hand back exactly its own leases (hand-back-instance-leases.ts).
 */
export type LeasingJob = 'dispatch' | 'digest' | 'notices' | 'instant';

export function leaseOwner(job: LeasingJob, instanceId: string | undefined): string {
  return `${leasePrefix(job, instanceId ?? 'unnamed')}${crypto.randomUUID()}`;
}

export function leasePrefix(job: LeasingJob, instanceId: string): string {
  return `${job}-${instanceId}-`;
}

/** The owner of a singleton job's lease row (job_leases): `<job name>-<instance>-<uuid>`. */
export function jobLeaseOwner(name: string, instanceId: string): string {
  return `${name}-${instanceId}-${crypto.randomUUID()}`;
}
