import { sql } from 'kysely';
import type { Db, DigestStatus, Frequency, Tx } from './database';

/** Distinct (time zone, frequency) pairs of confirmed subscribers: a period is computed once per pair. */
export async function subscriberSchedules(db: Db): Promise<{ timezone: string; frequency: Frequency }[]> {
  return db.selectFrom('subscribers').select(['timezone', 'frequency']).distinct().where('status', '=', 'confirmed').execute();
}

/** One pending row per confirmed subscriber of this schedule who has none for the period yet. */
export async function enqueueDigests(
  db: Db,
  input: { timezone: string; frequency: Frequency; periodKey: string; dueAt: Date; now: Date },
): Promise<number> {
  const result = await db
    .insertInto('digests')
    .columns(['subscriber_id', 'period_key', 'due_at', 'status', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('subscribers')
        .select((s) => [
          'id',
          s.val(input.periodKey).as('period_key'),
          s.val(input.dueAt).as('due_at'),
          s.val('pending').as('status'),
          s.val(input.now).as('created_at'),
        ])
        .where('status', '=', 'confirmed')
        .where('timezone', '=', input.timezone)
        .where('frequency', '=', input.frequency)
        .where('confirmed_at', '<', input.dueAt),
    )
    .onConflict((oc) => oc.constraint('digests_subscriber_period_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export interface ClaimedDigest {
  id: number;
  subscriber_id: number;
  period_key: string;
  due_at: Date;
  email: string;
  countries: string[];
  regions: string[];
  categories: string[];
  frequency: Frequency;
  timezone: string;
  skip_empty: boolean;
  digest_cursor: number;
  token_version: number;
}

/**
 * Claims up to `limit` pending digests that are due, skipping rows another runner holds. The
 * caller's transaction keeps them locked until it marks them batched or skipped.
 */
export async function claimPendingDigests(trx: Tx, input: { asOf: Date; limit: number }): Promise<ClaimedDigest[]> {
  const rows = await trx
    .selectFrom('digests as d')
    .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .select([
      'd.id',
      'd.subscriber_id',
      'd.period_key',
      'd.due_at',
      's.email',
      's.countries',
      's.regions',
      's.categories',
      's.frequency',
      's.timezone',
      's.skip_empty',
      's.digest_cursor',
      's.token_version',
    ])
    .where('d.status', '=', 'pending')
    .where('d.due_at', '<=', input.asOf)
    // The order of digests_pending_idx, so a claim reads the index instead of sorting the table.
    .orderBy('d.due_at')
    .orderBy('d.id')
    .limit(input.limit)
    .forUpdate('d')
    .skipLocked()
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), subscriber_id: Number(r.subscriber_id), digest_cursor: Number(r.digest_cursor) }));
}

/** Records a batch before it is sent: its key and the rows (with their models) it carries. */
export async function recordBatch(
  trx: Tx,
  input: { key: string; owner: string; now: Date; leaseUntil: Date; rows: { id: number; model: unknown; cursorTo: number; itemCount: number }[] },
): Promise<number> {
  const batch = await trx
    .insertInto('digest_batches')
    .values({ idempotency_key: input.key, status: 'sending', attempts: 0, locked_by: input.owner, locked_until: input.leaseUntil, created_at: input.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const batchId = Number(batch.id);
  const rows = input.rows.map((row, position) => ({ id: row.id, position, model: row.model, cursor_to: row.cursorTo, item_count: row.itemCount }));
  // One statement for the whole batch: the rows travel as one JSON parameter.
  await sql`
    update digests as d
    set status = 'batched', batch_id = ${batchId}, position = v.position, model = v.model, cursor_to = v.cursor_to, item_count = v.item_count
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id bigint, position integer, model jsonb, cursor_to bigint, item_count integer)
    where d.id = v.id`.execute(trx);
  return batchId;
}

/** Skip-empty subscribers with nothing new: no email, the period is closed and the cursor moves on. */
export async function closeEmptyDigests(trx: Tx, rows: { id: number; cursorTo: number }[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  const ids = rows.map((r) => r.id);
  await sql`
    update digests as d set status = 'skipped', cursor_to = v.cursor_to, item_count = 0, finished_at = ${now}
    from jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ id: r.id, cursor_to: r.cursorTo })))}::jsonb) as v(id bigint, cursor_to bigint)
    where d.id = v.id`.execute(trx);
  await advanceCursors(trx, sql`d.id = any(${sql.val(ids)}::bigint[])`);
}

/** Moves each subscriber's cursor to the end of the digest rows chosen by `which` (never back). */
async function advanceCursors(trx: Tx, which: ReturnType<typeof sql>): Promise<void> {
  await sql`
    update subscribers as s set digest_cursor = greatest(s.digest_cursor, d.cursor_to)
    from digests as d
    where s.id = d.subscriber_id and ${which}`.execute(trx);
}

export interface BatchToSend {
  id: number;
  key: string;
  attempts: number;
  rows: { id: number; subscriberId: number; model: unknown; cursorTo: number }[];
}

async function batchRows(db: Db | Tx, batchId: number) {
  const rows = await db.selectFrom('digests').select(['id', 'subscriber_id', 'model', 'cursor_to']).where('batch_id', '=', batchId).orderBy('position').execute();
  return rows.map((r) => ({ id: Number(r.id), subscriberId: Number(r.subscriber_id), model: r.model, cursorTo: Number(r.cursor_to) }));
}

/**
 * Claims one batch left unsent past its lease (its runner crashed or gave up for now):
 * attempts + 1, our lock, a new lease. It will be sent again exactly as recorded.
 */
export async function claimStaleBatch(db: Db, input: { owner: string; now: Date; leaseUntil: Date }): Promise<BatchToSend | undefined> {
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .updateTable('digest_batches')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), locked_by: input.owner, locked_until: input.leaseUntil }))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('digest_batches')
          .select('id')
          .where('status', '=', 'sending')
          .where('locked_until', '<', input.now)
          .orderBy('id')
          .limit(1)
          .forUpdate()
          .skipLocked(),
      )
      .returning(['id', 'idempotency_key', 'attempts'])
      .executeTakeFirst();
    if (!batch) return undefined;
    return { id: Number(batch.id), key: batch.idempotency_key, attempts: batch.attempts, rows: await batchRows(trx, Number(batch.id)) };
  });
}

/** The provider accepted the batch: rows sent and cursors advanced, in one transaction. */
export async function markBatchSent(db: Db, batch: BatchToSend, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('digest_batches').set({ status: 'sent', sent_at: now, locked_by: null, locked_until: null }).where('id', '=', batch.id).execute();
    await trx.updateTable('digests').set({ status: 'sent', finished_at: now }).where('batch_id', '=', batch.id).execute();
    await advanceCursors(trx, sql`d.batch_id = ${batch.id}`);
  });
}

/** Not sent this time: try again after `retryAt` (the same key and payload). */
export async function deferBatch(db: Db, batchId: number, input: { retryAt: Date; error: string }): Promise<void> {
  await db.updateTable('digest_batches').set({ locked_until: input.retryAt, last_error: input.error.slice(0, 500) }).where('id', '=', batchId).execute();
}

/**
 * The provider refused the batch for good. A refused message fails alone; the others go back
 * to pending and will travel in a new batch under a new key.
 */
export async function failBatch(db: Db, batch: BatchToSend, input: { failedRowId?: number; error: string; now: Date }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('digest_batches').set({ status: 'failed', last_error: input.error.slice(0, 500), locked_by: null, locked_until: null }).where('id', '=', batch.id).execute();
    const failed = input.failedRowId === undefined ? batch.rows.map((r) => r.id) : [input.failedRowId];
    await trx.updateTable('digests').set({ status: 'failed', error: input.error.slice(0, 500), finished_at: input.now }).where('id', 'in', failed).execute();
    const retry = batch.rows.map((r) => r.id).filter((id) => !failed.includes(id));
    if (retry.length) {
      await trx.updateTable('digests').set({ status: 'pending', batch_id: null, position: null, model: null, cursor_to: null }).where('id', 'in', retry).execute();
    }
  });
}

export async function countDigests(db: Db, status: DigestStatus): Promise<number> {
  const row = await db.selectFrom('digests').select((eb) => eb.fn.countAll().as('n')).where('status', '=', status).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function startDigestRun(db: Db, input: { trigger: string; asOf: Date; now: Date }): Promise<number> {
  const row = await db.insertInto('digest_runs').values({ trigger: input.trigger, as_of: input.asOf, started_at: input.now, counts: '{}' }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function finishDigestRun(db: Db, id: number, input: { now: Date; counts: Record<string, number> }): Promise<void> {
  await db.updateTable('digest_runs').set({ finished_at: input.now, counts: JSON.stringify(input.counts) }).where('id', '=', id).execute();
}

export async function listDigestRuns(db: Db, options: { limit: number; before?: number | undefined }) {
  let q = db.selectFrom('digest_runs').selectAll();
  if (options.before !== undefined) q = q.where('id', '<', options.before);
  const rows = await q.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    trigger: r.trigger,
    asOf: r.as_of.toISOString(),
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    counts: r.counts,
  }));
}

/** A sent digest's stored model, for its view-in-browser page. */
export async function findDigestModel(db: Db, id: number, subscriberId: number): Promise<unknown | undefined> {
  const row = await db.selectFrom('digests').select('model').where('id', '=', id).where('subscriber_id', '=', subscriberId).executeTakeFirst();
  return row?.model ?? undefined;
}
