import { leasePrefix } from '../jobs/leases';
import type { Db } from './database';
import { handedBack } from './webhook-deliveries';

/**
 * Hands back every lease this process holds, for a shutdown that cannot wait for its work:
 * webhook deliveries go back to the queue as they were before the claim (the unfinished
 * attempt is not counted), and digest batches become claimable at once, to be sent again
 * exactly as recorded under the same idempotency key. Other instances' leases are untouched.
 */
export async function releaseLeases(db: Db, instanceId: string, now: Date): Promise<{ deliveries: number; batches: number }> {
  const deliveries = await db
    .updateTable('webhook_deliveries')
    .set(handedBack)
    .where('status', '=', 'pending')
    .where('locked_by', 'like', `${leasePrefix('dispatch', instanceId)}%`)
    .executeTakeFirst();
  const batches = await db
    .updateTable('digest_batches')
    .set({ locked_by: null, locked_until: now })
    .where('status', '=', 'sending')
    .where('locked_by', 'like', `${leasePrefix('digest', instanceId)}%`)
    .executeTakeFirst();
  return { deliveries: Number(deliveries.numUpdatedRows), batches: Number(batches.numUpdatedRows) };
}
