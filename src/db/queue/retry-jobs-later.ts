import { sql } from 'kysely';
import type { Db } from '../database';
import { idIn, type JobId, type Queue } from './queues';

/** Not done this time: the lease released and the rows due again at `at` (see retry-schedule.ts), the attempt counted. */
export async function retryJobsLater(db: Db, queue: Queue, input: { ids: readonly JobId[]; at: Date; error: string }): Promise<void> {
  if (input.ids.length === 0) return;
  await sql`
    update ${sql.table(queue.table)}
    set next_attempt_at = ${input.at}, locked_by = null, locked_until = null, last_error = ${input.error}
    where ${idIn(queue, input.ids)}`.execute(db);
}
