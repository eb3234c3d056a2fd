import type { Db } from '../database';
import { leasePrefix } from './lease-owner';
import { digestBatches, instantAlerts, webhookDeliveries } from './queues';
import { returnJobs } from './return-jobs';

/**
 * Hands back every queue lease this process holds, for a shutdown that cannot wait for its
 * work: webhook deliveries go back to the queue as they were before the claim, and digest
 * batches and instant alerts become claimable at once, to be sent again exactly as recorded
 * under the same idempotency key (the unfinished attempt of either is not counted). Sign-up notices keep
 * their lease until it runs out: a batch is claimed again whole, as it was, only then (its
 * idempotency key depends on it). Other instances' leases are untouched.
 */
export async function returnInstanceLeases(
  db: Db,
  instanceId: string,
): Promise<{ deliveries: number; batches: number; instantAlerts: number }> {
  const deliveries = await returnJobs(db, webhookDeliveries, { ownerPrefix: leasePrefix('dispatch', instanceId) });
  const batches = await returnJobs(db, digestBatches, { ownerPrefix: leasePrefix('digest', instanceId) });
  const alerts = await returnJobs(db, instantAlerts, { ownerPrefix: leasePrefix('instant', instanceId) });
  return { deliveries, batches, instantAlerts: alerts };
}
