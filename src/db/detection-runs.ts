import type { Db, DetectionRunStatus, SourceOutcome } from './database';

/** Runs left 'running' by a process that died: only called while holding the detection lock. */
export async function abandonStaleRuns(db: Db, now: Date): Promise<number> {
  const result = await db
    .updateTable('detection_runs')
    .set({ status: 'abandoned', finished_at: now })
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Where a run resumes: the start of the oldest run in the unbroken line of abandoned runs just
 * before run `id` (killed runs, each resuming the one before), or undefined when the run before
 * it finished.
 */
export async function resumePoint(db: Db, id: number): Promise<Date | undefined> {
  const lastFinished = await db
    .selectFrom('detection_runs')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('id', '<', id)
    .where('status', 'in', ['succeeded', 'partial', 'failed'])
    .executeTakeFirst();
  const row = await db
    .selectFrom('detection_runs')
    .select((eb) => eb.fn.min('started_at').as('started_at'))
    .where('id', '<', id)
    .where('id', '>', lastFinished?.id ?? 0)
    .where('status', '=', 'abandoned')
    .executeTakeFirst();
  return row?.started_at ? new Date(row.started_at) : undefined;
}

export async function startDetectionRun(db: Db, trigger: string, now: Date): Promise<number> {
  const row = await db
    .insertInto('detection_runs')
    .values({ trigger, status: 'running', started_at: now, sources: '[]' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function finishDetectionRun(
  db: Db,
  id: number,
  outcome: { status: DetectionRunStatus; sources: SourceOutcome[]; finishedAt: Date },
): Promise<void> {
  await db
    .updateTable('detection_runs')
    .set({ status: outcome.status, finished_at: outcome.finishedAt, sources: JSON.stringify(outcome.sources) })
    .where('id', '=', id)
    .execute();
}

export interface DetectionRunView {
  id: number;
  trigger: string;
  status: DetectionRunStatus;
  startedAt: string;
  finishedAt: string | null;
  sources: SourceOutcome[];
}

/** Newest first; `before` is the id of the last run of the previous page. */
export async function listDetectionRuns(db: Db, options: { limit: number; before?: number | undefined }): Promise<DetectionRunView[]> {
  let q = db.selectFrom('detection_runs').selectAll();
  if (options.before !== undefined) q = q.where('id', '<', options.before);
  const rows = await q.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    trigger: r.trigger,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    sources: r.sources,
  }));
}
