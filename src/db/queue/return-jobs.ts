import { sql } from 'kysely';
import type { Db } from '../database';
import { idIn, type JobId, type Queue } from './queues';

/**
 * Hands back rows claimed but not started (held too long, or a shutdown that cannot wait):
 * claimable again at once as they were before the claim, the unmade attempt not counted.
 * Only rows still queued and still held by the owner (or by an owner with `ownerPrefix`, for
 * every lease of a process) are touched: a lease that ran out and was taken over is left alone.
 */
export async function returnJobs(
  db: Db,
  queue: Queue,
  input: ({ owner: string } | { ownerPrefix: string }) & { ids?: readonly JobId[] },
): Promise<number> {
  if (input.ids?.length === 0) return 0;
  const heldBy = 'owner' in input ? sql`locked_by = ${input.owner}` : sql`locked_by like ${`${input.ownerPrefix}%`}`;
  const result = await sql`
    update ${sql.table(queue.table)}
    set locked_by = null, locked_until = null, attempts = greatest(attempts - 1, 0)
    where ${queue.waiting} and ${heldBy}${input.ids ? sql` and ${idIn(queue, input.ids)}` : sql``}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
