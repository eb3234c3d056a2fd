import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database';
import type { Queue } from './queues';

/** Due now and not held: the columns of the queue's own table, unqualified (inside the claim's row choice). */
export const dueAt = (queue: Queue, now: Date): RawBuilder<unknown> =>
  sql`${queue.waiting} and next_attempt_at <= ${now} and (locked_until is null or locked_until < ${now})`;

export interface Claim {
  owner: string;
  leaseUntil: Date;
  /**
   * Common table expressions, the last named `chosen` with an `id` column: the rows to claim,
   * locked FOR UPDATE SKIP LOCKED (so claimers working at once each get their own), chosen
   * with `dueAt` and whatever the queue adds (order, limits, grouping).
   */
  chosen: RawBuilder<unknown>;
  /** Further tables for `returning`, and how they join the claimed row (`job`). */
  join?: { from: RawBuilder<unknown>; on: RawBuilder<unknown> };
  /** What to answer for each claimed row; the claimed row is `job`. */
  returning: RawBuilder<unknown>;
  /** The statement's `preparedAs` mark, for a hot claim whose text never changes. */
  prepared?: RawBuilder<unknown>;
}

/**
 * Claims rows: attempts + 1, the lease (owner and end) taken. The rows are reached by key
 * (= any(array)): a join with the choice was planned as a hash over the whole table.
 */
export async function claimJobs<Row>(db: Db, queue: Queue, claim: Claim): Promise<Row[]> {
  const { rows } = await sql<Row>`${claim.prepared ?? sql``}
    with ${claim.chosen}
    update ${sql.table(queue.table)} as job
    set attempts = job.attempts + 1, locked_by = ${claim.owner}, locked_until = ${claim.leaseUntil}
    ${claim.join ? sql`from ${claim.join.from}` : sql``}
    where job.id = any(array(select id from chosen))${claim.join ? sql` and ${claim.join.on}` : sql``}
    returning ${claim.returning}`.execute(db);
  return rows;
}
