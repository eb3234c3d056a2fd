import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database';
import { idIn, type JobId, type Queue } from './queues';

/** The statement completing rows, for a caller that adds its queue's own effects in the same statement (a CTE). */
export function completeJobsStatement(queue: Queue, input: { ids: readonly JobId[]; now: Date }): RawBuilder<unknown> {
  const completed = queue.completed(input.now);
  return completed === 'delete'
    ? sql`delete from ${sql.table(queue.table)} where ${idIn(queue, input.ids)}`
    : sql`update ${sql.table(queue.table)} set ${completed}, locked_by = null, locked_until = null where ${idIn(queue, input.ids)}`;
}

/** Done: the queue's completed state (or the rows deleted), the lease released. */
export async function completeJobs(db: Db, queue: Queue, input: { ids: readonly JobId[]; now: Date }): Promise<void> {
  if (input.ids.length > 0) await completeJobsStatement(queue, input).execute(db);
}
