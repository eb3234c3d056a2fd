import { sql } from 'kysely';
import type { Db, Tx } from './database';
import { claimJobs, dueAt } from './queue/claim-jobs';
import { webhookDeliveries } from './queue/queues';
import { returnJobs } from './queue/return-jobs';

/** Due again now (an operator retry or a replay), keeping its webhook-id. */
export const requeuedAt = (now: Date) => ({ status: 'pending' as const, next_attempt_at: now, locked_by: null, locked_until: null });

export interface NewDelivery {
  id: string;
  endpointId: string;
  changeId: number | null;
  type: string;
  /** Null: the change's shared body (`insertChangePayloads`). */
  payload: string | null;
}

/** The fan-out consumer's cursor, locked for the caller's transaction (one fan-out at a time). */
export async function lockConsumerCursor(trx: Tx, name: string): Promise<number> {
  await trx
    .insertInto('consumer_cursors')
    .values({ name, position: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await trx.selectFrom('consumer_cursors').select('position').where('name', '=', name).forUpdate().executeTakeFirstOrThrow();
  return Number(row.position);
}

export async function moveConsumerCursor(trx: Tx, name: string, position: number): Promise<void> {
  await trx.updateTable('consumer_cursors').set({ position }).where('name', '=', name).execute();
}

/**
 * Queues deliveries; a (endpoint, change) pair already queued is left alone. One parameter per
 * column (unnest), not one per value: a fan-out step queues over a thousand at once, and this
 * takes half the time of a multi-row VALUES insert, on the database and in the app.
 */
export async function insertDeliveries(db: Db | Tx, deliveries: readonly NewDelivery[], now: Date): Promise<number> {
  if (deliveries.length === 0) return 0;
  const column = <T>(pick: (d: NewDelivery) => T) => deliveries.map(pick);
  const result = await sql`
    insert into webhook_deliveries (id, endpoint_id, change_id, type, payload, status, attempts, next_attempt_at, created_at)
    select d.id, d.endpoint_id, d.change_id, d.type, d.payload, 'pending', 0, ${now}, ${now}
    from unnest(
      ${column((d) => d.id)}::text[],
      ${column((d) => d.endpointId)}::text[],
      ${column((d) => d.changeId)}::bigint[],
      ${column((d) => d.type)}::text[],
      ${column((d) => d.payload)}::text[]
    ) as d(id, endpoint_id, change_id, type, payload)
    on conflict (endpoint_id, change_id) where change_id is not null do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Stores each change's body once for all its deliveries; a change already stored keeps its body. */
export async function insertChangePayloads(trx: Tx, payloads: readonly { changeId: number; body: string }[]): Promise<void> {
  if (payloads.length === 0) return;
  await sql`
    insert into webhook_payloads (change_id, body)
    select * from unnest(${payloads.map((p) => p.changeId)}::bigint[], ${payloads.map((p) => p.body)}::text[])
    on conflict (change_id) do nothing`.execute(trx);
}

export interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  change_id: number | null;
  type: string;
  payload: string;
  attempts: number;
  /** The endpoint's deliveries-per-second limit, as claimed; null: none. */
  rate_limit: number | null;
}

/**
 * Claims due deliveries: for each endpoint, its oldest due ones up to `perEndpoint` counting
 * those the caller already holds (`inFlight`), so a backlogged endpoint never takes every slot
 * and its backlog is never scanned past; attempts + 1, our lock, and a lease that outlives the
 * request timeout (a delivery in flight is never claimed twice). Rows are locked SKIP LOCKED,
 * so runners working at once each get their own. Answers each with its body. The rows and
 * bodies are reached by key (= any(array), a subquery per body): a join here was planned as a
 * hash over the whole table, read on every claim, however few rows it claimed.
 */
export async function claimDueDeliveries(
  db: Db,
  input: {
    owner: string;
    now: Date;
    leaseUntil: Date;
    limit: number;
    perEndpoint: number;
    /** A throttled endpoint's deliveries are held at most this many seconds of its rate. */
    throttledHeldSeconds?: number;
    inFlight?: Record<string, number>;
  },
): Promise<ClaimedDelivery[]> {
  const rows = await claimJobs<ClaimedDelivery>(db, webhookDeliveries, {
    owner: input.owner,
    leaseUntil: input.leaseUntil,
    chosen: sql`most as (
      select e.id as endpoint_id, coalesce(busy.value::integer, 0) as busy,
        least(${input.perEndpoint}::integer, coalesce(e.rate_limit * ${input.throttledHeldSeconds ?? 2}::integer, ${input.perEndpoint}::integer)) as most
      from webhook_endpoints as e
      left join jsonb_each_text(${JSON.stringify(input.inFlight ?? {})}::jsonb) as busy on busy.key = e.id
    ), room as (
      select endpoint_id, most - busy as free from most where busy < most
    ), candidates as (
      select due.* from room cross join lateral (
        select id, change_id, next_attempt_at from webhook_deliveries
        where endpoint_id = room.endpoint_id and ${dueAt(webhookDeliveries, input.now)}
        order by next_attempt_at, id
        limit room.free
        for update skip locked
      ) as due
    ), chosen as (
      select id from candidates order by next_attempt_at, id limit ${input.limit}
    )`,
    returning: sql`job.id, job.endpoint_id, job.change_id, job.type, job.attempts,
      (select e.rate_limit from webhook_endpoints as e where e.id = job.endpoint_id) as rate_limit,
      coalesce(job.payload, (select shared.body from webhook_payloads as shared where shared.change_id = job.change_id)) as payload`,
  });
  return rows.map((r) => ({ ...r, change_id: r.change_id === null ? null : Number(r.change_id) }));
}

/** Is anything due that nobody holds? (A claim can come back empty while another runner locks rows.) */
export async function hasClaimableDeliveries(db: Db, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface AttemptRecord {
  deliveryId: string;
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export type DeliveryOutcome = { kind: 'delivered' } | { kind: 'retry'; retryAt: Date } | { kind: 'failed' };

export interface FinishedAttempt {
  attempt: AttemptRecord;
  outcome: DeliveryOutcome;
}

/**
 * Records finished attempts in one statement: each attempt is logged, and each delivery still
 * leased by `owner` is released as delivered, due again at its retry time, or failed for good.
 * A delivery whose lease was lost (taken over after it ran out) keeps the new holder's state.
 */
export async function recordAttempts(db: Db | Tx, owner: string, finished: readonly FinishedAttempt[]): Promise<void> {
  if (finished.length === 0) return;
  // In id order, so that two writers lock shared rows in the same order.
  const sorted = [...finished].sort((x, y) => (x.attempt.deliveryId < y.attempt.deliveryId ? -1 : 1));
  const column = <T>(pick: (f: FinishedAttempt) => T) => sorted.map(pick);
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  await sql`
    with outcome as (
      select * from unnest(
        ${column((f) => f.attempt.deliveryId)}::text[],
        ${column((f) => iso(f.attempt.attemptedAt))}::timestamptz[],
        ${column((f) => f.attempt.statusCode)}::integer[],
        ${column((f) => f.attempt.latencyMs)}::integer[],
        ${column((f) => f.attempt.error)}::text[],
        ${column((f) => f.attempt.responseExcerpt)}::text[],
        ${column((f) => (f.outcome.kind === 'retry' ? 'pending' : f.outcome.kind))}::text[],
        ${column((f) => iso(f.outcome.kind === 'retry' ? f.outcome.retryAt : null))}::timestamptz[]
      ) as o(delivery_id, attempted_at, status_code, latency_ms, error, response_excerpt, status, retry_at)
    ), logged as (
      insert into webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, error, response_excerpt)
      select o.delivery_id, o.attempted_at, o.status_code, o.latency_ms, o.error, o.response_excerpt
      from outcome as o join webhook_deliveries as d on d.id = o.delivery_id
    )
    update webhook_deliveries as d
    set status = o.status,
        next_attempt_at = coalesce(o.retry_at, d.next_attempt_at),
        delivered_at = case when o.status = 'delivered' then o.attempted_at else d.delivered_at end,
        last_status = o.status_code,
        last_error = o.error,
        locked_by = null,
        locked_until = null
    from outcome as o
    where d.id = o.delivery_id and d.locked_by = ${owner}`.execute(db);
}

/**
 * Hands back deliveries this runner claimed but will not start (held too long behind a slow
 * endpoint): claimable again at once, and their unmade attempt not counted.
 */
export async function releaseDeliveries(db: Db, owner: string, ids: readonly string[]): Promise<void> {
  await returnJobs(db, webhookDeliveries, { owner, ids });
}

/**
 * Wakes every instance's dispatcher when the caller's transaction commits: the NOTIFY of
 * migration 0009's triggers (channel `webhooks`, payload the schema), which only fire on
 * inserts. For deliveries made due again by an update (an operator retry or a replay).
 */
export async function wakeDispatchersAtCommit(trx: Tx): Promise<void> {
  await sql`select pg_notify('webhooks', current_schema())`.execute(trx);
}

/** Back in the queue now (operator retry), keeping its webhook-id; every instance is woken at commit. */
export async function requeueDelivery(trx: Tx, id: string, now: Date): Promise<boolean> {
  const result = await trx.updateTable('webhook_deliveries').set(requeuedAt(now)).where('id', '=', id).executeTakeFirst();
  const requeued = Number(result.numUpdatedRows) > 0;
  if (requeued) await wakeDispatchersAtCommit(trx);
  return requeued;
}

export async function countPendingDeliveries(db: Db): Promise<number> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listDeliveries(
  db: Db,
  input: { endpointId: string; limit: number; before?: { createdAt: Date; id: string } | undefined },
) {
  let q = db
    .selectFrom('webhook_deliveries')
    .select(['id', 'change_id', 'type', 'status', 'attempts', 'next_attempt_at', 'last_status', 'last_error', 'created_at', 'delivered_at'])
    .where('endpoint_id', '=', input.endpointId);
  if (input.before) {
    const { createdAt, id } = input.before;
    q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  const deliveries = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(input.limit).execute();
  const attempts = deliveries.length
    ? await db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where(
          'delivery_id',
          'in',
          deliveries.map((d) => d.id),
        )
        .orderBy('id')
        .execute()
    : [];
  return deliveries.map((d) => ({
    ...d,
    change_id: d.change_id === null ? null : Number(d.change_id),
    attempts_log: attempts.filter((a) => a.delivery_id === d.id),
  }));
}

export async function findDelivery(db: Db, endpointId: string, id: string) {
  return db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
}
