import { sql } from 'kysely';
import type { Db } from './database';

/** How much work waits, read at scrape time (the queue gauges in metrics.ts). */
export interface QueueDepths {
  webhookDeliveriesPending: number;
  webhookDeliveriesDue: number;
  webhookOldestDueSeconds: number;
  digestsDue: number;
  digestOldestDueSeconds: number;
}

interface Row {
  wh_pending: string;
  wh_due: string;
  wh_oldest: Date | null;
  dg_pending: string;
  dg_oldest: Date | null;
  dg_batched: string;
  dg_batched_oldest: Date | null;
}

/**
 * The queue gauges, in one round trip: pending webhook deliveries (all, and due at `now`) and
 * digests due but not sent (pending rows, and rows of batches recorded but not yet accepted).
 * Each part reads a partial index, so a scrape stays cheap however large the tables grow.
 */
export async function readQueueDepths(db: Db, now: Date): Promise<QueueDepths> {
  const { rows } = await sql<Row>`
    select
      (select count(*) from webhook_deliveries where status = 'pending') as wh_pending,
      (select count(*) from webhook_deliveries where status = 'pending' and next_attempt_at <= ${now}) as wh_due,
      (select min(next_attempt_at) from webhook_deliveries where status = 'pending' and next_attempt_at <= ${now}) as wh_oldest,
      (select count(*) from digests where status = 'pending' and due_at <= ${now}) as dg_pending,
      (select min(due_at) from digests where status = 'pending' and due_at <= ${now}) as dg_oldest,
      batched.n as dg_batched,
      batched.oldest as dg_batched_oldest
    from (
      select count(*) as n, min(d.due_at) as oldest
      from digests as d join digest_batches as b on b.id = d.batch_id
      where b.status = 'sending'
    ) as batched`.execute(db);
  const r = rows[0]!;
  const age = (...since: (Date | null)[]) => {
    const times = since.filter((t): t is Date => t !== null).map((t) => new Date(t).getTime());
    return times.length ? Math.max(0, (now.getTime() - Math.min(...times)) / 1000) : 0;
  };
  return {
    webhookDeliveriesPending: Number(r.wh_pending),
    webhookDeliveriesDue: Number(r.wh_due),
    webhookOldestDueSeconds: age(r.wh_oldest),
    digestsDue: Number(r.dg_pending) + Number(r.dg_batched),
    digestOldestDueSeconds: age(r.dg_oldest, r.dg_batched_oldest),
  };
}
