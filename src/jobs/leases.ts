/**
 * Lease owners name the job and the process that took them (`dispatch-<instance>-<pass>`),
 * so a process shutting down can hand back exactly its own leases (see db/leases.ts).
 */
export function leaseOwner(job: 'dispatch' | 'digest', instanceId: string | undefined): string {
  return `${leasePrefix(job, instanceId ?? 'unnamed')}${crypto.randomUUID()}`;
}

export function leasePrefix(job: 'dispatch' | 'digest', instanceId: string): string {
  return `${job}-${instanceId}-`;
}

/** False once the process drains: jobs finish what they hold and claim nothing new. */
export const acceptingWork = (deps: { isAcceptingWork?: (() => boolean) | undefined }): boolean => deps.isAcceptingWork?.() ?? true;
