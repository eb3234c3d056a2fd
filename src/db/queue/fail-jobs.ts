import { sql } from 'kysely';
import type { Db } from '../database';
import { idIn, type JobId, type Queue } from './queues';

/** Given up for good: the queue's failed state, the reason kept in `last_error`, never claimed again. */
export async function failJobs(db: Db, queue: Queue, input: { ids: readonly JobId[]; now: Date; error: string }): Promise<void> {
  if (input.ids.length === 0) return;
  await sql`
    update ${sql.table(queue.table)}
    set ${queue.failed(input.now)}, locked_by = null, locked_until = null, last_error = ${input.error}
    where ${idIn(queue, input.ids)}`.execute(db);
}
