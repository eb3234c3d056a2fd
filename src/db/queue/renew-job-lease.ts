import type { Db } from '../database';
import type { JobLease } from './take-job-lease';

/** Extends a lease still held; false if it was lost (it ran out and another process took it). */
export async function renewJobLease(db: Db, lease: JobLease, until: Date): Promise<boolean> {
  const result = await db
    .updateTable('job_leases')
    .set({ locked_until: until })
    .where('name', '=', lease.name)
    .where('owner', '=', lease.owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
