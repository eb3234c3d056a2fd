import { type NotNull, type RawBuilder, sql } from 'kysely';
import type { Db, DigestStatus, Frequency, Language, Tx } from './database';
import { type ItemRecord, readRecordedModels } from './digest-items';
import type { DigestModel, RecordedModel } from './digest-model';
import { claimJobs, dueAt } from './queue/claim-jobs';
import { completeJobsStatement } from './queue/complete-jobs';
import { failJobs } from './queue/fail-jobs';
import { digestBatches } from './queue/queues';
import { retryJobsLater } from './queue/retry-jobs-later';

/** Distinct (time zone, frequency) pairs of confirmed subscribers: a period is computed once per pair. */
export async function subscriberSchedules(db: Db): Promise<{ timezone: string; frequency: Frequency }[]> {
  return db.selectFrom('subscribers').select(['timezone', 'frequency']).distinct().where('status', '=', 'confirmed').execute();
}

/**
 * One pending row per confirmed subscriber of this schedule who has none for the period yet,
 * nor for a later one: a period older than one already queued or sent (after an operator run
 * with a future `--now`) is never sent.
 */
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
        .where('confirmed_at', '<', input.dueAt)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('digests as later')
                .select('later.id')
                .whereRef('later.subscriber_id', '=', 'subscribers.id')
                .where('later.due_at', '>=', input.dueAt),
            ),
          ),
        ),
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
  neutral_subjects: boolean;
  country_context: boolean;
  language: Language;
  digest_cursor: number;
  token_version: number;
  public_id: string;
  /** The digest's own public id, for its web-view link. */
  digest_public_id: string;
}

/**
 * Claims up to `limit` pending digests that are due, skipping rows another runner holds. The
 * caller's transaction keeps them locked until it marks them batched or skipped. A digest
 * waits while an earlier one of the same subscriber is still pending or being sent, so a
 * subscriber's periods go out in order.
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
      's.neutral_subjects',
      's.country_context',
      's.language',
      's.digest_cursor',
      's.token_version',
      's.public_id',
      'd.public_id as digest_public_id',
    ])
    .where('d.status', '=', 'pending')
    .where('d.due_at', '<=', input.asOf)
    .where(
      sql<boolean>`not exists (
        select 1 from digests as earlier
        where earlier.subscriber_id = d.subscriber_id and earlier.status in ('pending', 'batched')
          and (earlier.due_at, earlier.id) < (d.due_at, d.id)
      )`,
    )
    // The order of digests_pending_idx, so a claim reads the index instead of sorting the table.
    .orderBy('d.due_at')
    .orderBy('d.id')
    .limit(input.limit)
    .forUpdate('d')
    .skipLocked()
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), subscriber_id: Number(r.subscriber_id), digest_cursor: Number(r.digest_cursor) }));
}

/** A claimed digest closed without an email (skip-empty, nothing new); `subscriberId` gets its cursor moved. */
export interface EmptyDigest {
  id: number;
  subscriberId: number;
  cursorTo: number;
}

/**
 * Writes what was composed for a claim in one statement: the batch (its key, before anything
 * is sent), its rows with their recorded models, the report lines not yet recorded, and the
 * empty digests closed with their subscribers' cursors moved on. Answers the batch id, or
 * undefined when there was nothing to send.
 */
export async function recordBatch(
  trx: Tx,
  input: {
    key: string;
    owner: string;
    now: Date;
    leaseUntil: Date;
    rows: { id: number; model: RecordedModel; cursorTo: number; itemCount: number }[];
    /** Report lines the rows refer to (duplicates and lines already recorded are fine). */
    items: readonly ItemRecord[];
    empty: readonly EmptyDigest[];
  },
): Promise<number | undefined> {
  const ctes = input.empty.length > 0 ? [closeEmptyCtes(input.empty, input.now)] : [];
  if (input.rows.length === 0) {
    if (ctes.length > 0) await sql`with ${sql.join(ctes)} select 1`.execute(trx);
    return undefined;
  }
  const rows = input.rows.map((row, position) => ({
    id: row.id,
    position,
    model: row.model,
    cursor_to: row.cursorTo,
    item_count: row.itemCount,
  }));
  ctes.push(sql`
    batch as (
      insert into digest_batches (idempotency_key, status, attempts, next_attempt_at, locked_by, locked_until, created_at)
      values (${input.key}, 'sending', 0, ${input.now}, ${input.owner}, ${input.leaseUntil}, ${input.now})
      returning id
    ),
    items as (
      -- In ref order, so two runners recording the same new lines lock them in the same order.
      insert into digest_items (ref, item)
      select v.ref, v.item from jsonb_to_recordset(${itemsJson(input.items)}::jsonb) as v(ref text, item jsonb)
      order by v.ref
      on conflict (ref) do nothing
    ),
    batched as (
      update digests as d
      set status = 'batched', batch_id = (select id from batch), position = v.position, model = v.model, cursor_to = v.cursor_to, item_count = v.item_count
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id bigint, position integer, model jsonb, cursor_to bigint, item_count integer)
      where d.id = v.id
    )`);
  const result = await sql<{ id: string }>`with ${sql.join(ctes)} select id from batch`.execute(trx);
  return Number(result.rows[0]!.id);
}

/** The items as a JSON array, each line's JSON spliced in as it was hashed (not serialised again). */
function itemsJson(items: readonly ItemRecord[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const item of items) {
    if (seen.has(item.ref)) continue;
    seen.add(item.ref);
    parts.push(`{"ref":"${item.ref}","item":${item.json}}`);
  }
  return `[${parts.join(',')}]`;
}

/** Skip-empty subscribers with nothing new: no email, the period is closed and the cursor moves on (never back). */
function closeEmptyCtes(empty: readonly EmptyDigest[], now: Date) {
  const values = JSON.stringify(empty.map((r) => ({ id: r.id, subscriber_id: r.subscriberId, cursor_to: r.cursorTo })));
  return sql`
    empty as (
      select * from jsonb_to_recordset(${values}::jsonb) as v(id bigint, subscriber_id bigint, cursor_to bigint)
    ),
    closed as (
      update digests as d set status = 'skipped', cursor_to = e.cursor_to, item_count = 0, finished_at = ${now}
      from empty as e where d.id = e.id
    ),
    moved as (
      update subscribers as s set digest_cursor = greatest(s.digest_cursor, e.cursor_to)
      from empty as e where s.id = e.subscriber_id
    )`;
}

export interface BatchToSend {
  id: number;
  key: string;
  attempts: number;
  rows: { id: number; subscriberId: number; model: DigestModel; cursorTo: number }[];
}

async function batchRows(db: Db | Tx, batchId: number): Promise<BatchToSend['rows']> {
  const rows = await db
    .selectFrom('digests')
    .select(['id', 'subscriber_id', 'model', 'cursor_to'])
    .where('batch_id', '=', batchId)
    .orderBy('position')
    // A batched row always holds its recorded model (recordBatch writes both at once).
    .$narrowType<{ model: NotNull }>()
    .execute();
  const models = await readRecordedModels(
    db,
    rows.map((r) => r.model),
  );
  return rows.map((r, index) => ({
    id: Number(r.id),
    subscriberId: Number(r.subscriber_id),
    model: models[index]!,
    cursorTo: Number(r.cursor_to),
  }));
}

/**
 * Claims one batch left unsent past its lease (its runner crashed) or put off until now:
 * attempts + 1, our lease. It will be sent again exactly as recorded.
 */
export async function claimStaleBatch(db: Db, input: { owner: string; now: Date; leaseUntil: Date }): Promise<BatchToSend | undefined> {
  return db.transaction().execute(async (trx) => {
    const [batch] = await claimJobs<{ id: string; idempotency_key: string; attempts: number }>(trx, digestBatches, {
      owner: input.owner,
      leaseUntil: input.leaseUntil,
      chosen: sql`chosen as (
        select id from digest_batches where ${dueAt(digestBatches, input.now)}
        order by next_attempt_at, id limit 1
        for update skip locked
      )`,
      returning: sql`job.id, job.idempotency_key, job.attempts`,
    });
    if (!batch) return undefined;
    return { id: Number(batch.id), key: batch.idempotency_key, attempts: batch.attempts, rows: await batchRows(trx, Number(batch.id)) };
  });
}

/** The provider accepted the batch: the batch completed, its rows sent and cursors advanced, in one statement. */
export async function markBatchSent(db: Db, batch: BatchToSend, now: Date): Promise<void> {
  await markDigestsSent(
    sql`done as (${completeJobsStatement(digestBatches, { ids: [batch.id], now })})`,
    sql`batch_id = ${batch.id}`,
    now,
  ).execute(db);
}

/** Digests sent: each `sent` and its subscriber's cursor moved past what it told, in one statement (after the CTE `before`). */
function markDigestsSent(before: RawBuilder<unknown> | undefined, which: RawBuilder<unknown>, now: Date) {
  return sql`
    with ${before ? sql`${before},` : sql``}
    sent as (
      update digests set status = 'sent', finished_at = ${now} where ${which} returning subscriber_id, cursor_to
    )
    update subscribers as s set digest_cursor = greatest(s.digest_cursor, sent.cursor_to)
    from sent where s.id = sent.subscriber_id`;
}

/** Not sent this time: due again at `retryAt` (the same key and payload). */
export async function deferBatch(db: Db, batchId: number, input: { retryAt: Date; error: string }): Promise<void> {
  await retryJobsLater(db, digestBatches, { ids: [batchId], at: input.retryAt, error: input.error.slice(0, 500) });
}

/**
 * The provider refused the batch for good. The digests that went out before the refusal are
 * sent, the refused ones fail, and the others go back to pending and will travel in a new batch
 * under a new key.
 */
export async function failBatch(
  db: Db,
  batch: BatchToSend,
  input: { sent: readonly number[]; failed: readonly number[]; again: readonly number[]; error: string; now: Date },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await failJobs(trx, digestBatches, { ids: [batch.id], now: input.now, error: input.error.slice(0, 500) });
    if (input.sent.length) await markDigestsSent(undefined, sql`id in (${sql.join(input.sent)})`, input.now).execute(trx);
    if (input.failed.length) {
      await trx
        .updateTable('digests')
        .set({ status: 'failed', error: input.error.slice(0, 500), finished_at: input.now })
        .where('id', 'in', input.failed)
        .execute();
    }
    if (input.again.length) {
      await trx
        .updateTable('digests')
        .set({ status: 'pending', batch_id: null, position: null, model: null, cursor_to: null })
        .where('id', 'in', input.again)
        .execute();
    }
  });
}

export async function countDigests(db: Db, status: DigestStatus): Promise<number> {
  const row = await db
    .selectFrom('digests')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', status)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function startDigestRun(db: Db, input: { trigger: string; asOf: Date; now: Date }): Promise<number> {
  const row = await db
    .insertInto('digest_runs')
    .values({ trigger: input.trigger, as_of: input.asOf, started_at: input.now, counts: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function finishDigestRun(db: Db, id: number, input: { now: Date; counts: Record<string, number> }): Promise<void> {
  await db
    .updateTable('digest_runs')
    .set({ finished_at: input.now, counts: JSON.stringify(input.counts) })
    .where('id', '=', id)
    .execute();
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

/** A sent digest's recorded model, for its view-in-browser page. */
/** How a web-view link names a digest: its public id, or (links signed before public ids) its row id. */
export type DigestKey = { publicId: string } | { id: number };

export async function findDigestModel(db: Db, key: DigestKey, subscriberId: number): Promise<DigestModel | undefined> {
  const query = db.selectFrom('digests').select('model').where('subscriber_id', '=', subscriberId);
  const row = await ('publicId' in key ? query.where('public_id', '=', key.publicId) : query.where('id', '=', key.id)).executeTakeFirst();
  if (!row?.model) return undefined;
  const [model] = await readRecordedModels(db, [row.model]);
  return model;
}
