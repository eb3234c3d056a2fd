import type { Db } from './database';

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

export async function releaseJobLease(db: Db, lease: JobLease): Promise<void> {
  await db.deleteFrom('job_leases').where('name', '=', lease.name).where('owner', '=', lease.owner).execute();
}
