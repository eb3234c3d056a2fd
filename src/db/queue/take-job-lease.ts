import type { Db } from '../database';

/** A singleton job's lease row (job_leases): one per job name, held by one process at a time. */
export interface JobLease {
  name: string;
  owner: string;
}

/**
 * Takes the job's lease if nobody holds it or the holder's lease ran out (a process that
 * died): one statement, so two instances racing cannot both win.
 */
export async function takeJobLease(db: Db, lease: JobLease, now: Date, until: Date): Promise<boolean> {
  const row = await db
    .insertInto('job_leases')
    .values({ name: lease.name, owner: lease.owner, locked_until: until })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ owner: lease.owner, locked_until: until }).where('job_leases.locked_until', '<=', now),
    )
    .returning('owner')
    .executeTakeFirst();
  return row?.owner === lease.owner;
}
