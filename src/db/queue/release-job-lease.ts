import type { Db } from '../database';
import type { JobLease } from './take-job-lease';

export async function releaseJobLease(db: Db, lease: JobLease): Promise<void> {
  await db.deleteFrom('job_leases').where('name', '=', lease.name).where('owner', '=', lease.owner).execute();
}
