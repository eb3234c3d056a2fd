import { sql } from 'kysely';
import { type ChangeType, isEventChangeType } from './change-types';
import type { Db, Language, Tx } from './database';
import type { InstantAlertModel } from './instant-model';
import { claimJobs } from './queue/claim-jobs';
import { instantAlerts } from './queue/queues';

/** A confirmed subscriber who asked for instant alerts, with the filters a flag must match. */
export interface InstantSubscriber {
  id: number;
  countries: string[];
  regions: string[];
  categories: string[];
}

export async function listInstantSubscribers(db: Db | Tx): Promise<InstantSubscriber[]> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['id', 'countries', 'regions', 'categories'])
    .where('instant_alerts', '=', true)
    .where('status', '=', 'confirmed')
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export interface NewInstantItem {
  subscriberId: number;
  changeId: number;
  eventId: string;
}

const millis = (ms: number) => sql`(${ms}::double precision * interval '1 millisecond')`;

/**
 * Adds flagged changes to each subscriber's pending alert, opening one where there is none, due
 * at once or when the interval since their last alert ends. An item already queued is left
 * alone, so fanning the same changes out twice adds nothing.
 */
export async function queueInstantItems(
  trx: Tx,
  input: { items: readonly NewInstantItem[]; now: Date; minIntervalMs: number },
): Promise<number> {
  if (input.items.length === 0) return 0;
  const subscriberIds = [...new Set(input.items.map((i) => i.subscriberId))];
  const { rows: alerts } = await sql<{ id: string; subscriber_id: string }>`
    insert into instant_alerts as a (subscriber_id, status, created_at, next_attempt_at)
    select s.id, 'pending', ${input.now}::timestamptz,
      greatest(${input.now}::timestamptz, coalesce(s.instant_sent_at + ${millis(input.minIntervalMs)}, ${input.now}::timestamptz))
    from subscribers as s where s.id = any(${subscriberIds}::bigint[])
    on conflict (subscriber_id) where status = 'pending' do update set status = a.status
    returning a.id, a.subscriber_id`.execute(trx);
  const alertOf = new Map(alerts.map((a) => [Number(a.subscriber_id), Number(a.id)]));
  const items = input.items.filter((i) => alertOf.has(i.subscriberId));
  if (items.length === 0) return 0;
  const result = await sql`
    insert into instant_alert_items (subscriber_id, change_id, event_id, alert_id)
    select * from unnest(${items.map((i) => i.subscriberId)}::bigint[], ${items.map((i) => i.changeId)}::bigint[],
      ${items.map((i) => i.eventId)}::text[], ${items.map((i) => alertOf.get(i.subscriberId)!)}::bigint[])
    on conflict do nothing`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/** A claimed pending alert and where it goes (the subscriber as stored now). */
export interface ClaimedPendingAlert {
  id: number;
  subscriberId: number;
  email: string;
  publicId: string;
  tokenVersion: number;
  neutralSubjects: boolean;
  language: Language;
}

/**
 * Claims pending alerts that may go now: due, and their subscriber got no alert within the
 * interval and has none on its way. Call inside the transaction that records them.
 *
 * Twice the limit of due alerts (SKIP LOCKED, in no order: sorting them made the planner read
 * and sort every due alert) are taken before their subscribers are checked, so a claim costs
 * about the same however many alerts wait: checking every waiting alert and then sorting made
 * each claim of a 7,500-alert burst check them all (117 ms a claim alone, 0.9 s with four
 * senders on a loaded machine). Every due alert goes in this pass anyway, so the order among
 * them does not matter. An alert failing the checks is rare and passing (its subscriber's other alert
 * is on its way, and marking that one sent moves this one's due time past the interval;
 * turning alerts off deletes it); it stays pending and is looked at again by a later claim.
 *
 * Each taken alert's subscriber is checked by key, one lookup per alert (a subquery the planner
 * cannot turn into a join): the statistics lag a burst (autovacuum comes a minute later), and
 * with them the planner joined against every subscriber with instant alerts, or intersected
 * indexes of every sending alert, per claim (BENCHMARKS.md, instant alerts).
 */
export async function claimPendingAlerts(
  trx: Tx,
  input: { owner: string; now: Date; leaseUntil: Date; limit: number; minIntervalMs: number },
): Promise<ClaimedPendingAlert[]> {
  const sentBefore = new Date(input.now.getTime() - input.minIntervalMs);
  const rows = await claimJobs<{
    id: string;
    subscriber_id: string;
    email: string;
    public_id: string;
    token_version: number;
    neutral_subjects: boolean;
    language: Language;
  }>(trx, instantAlerts, {
    owner: input.owner,
    leaseUntil: input.leaseUntil,
    chosen: sql`due as (
        select id, subscriber_id, next_attempt_at from instant_alerts
        where status = 'pending' and next_attempt_at <= ${input.now}
        limit ${input.limit * 2}
        for update skip locked
      ), chosen as (
        select a.id from due as a
        where (
          select s.status = 'confirmed' and s.instant_alerts and (s.instant_sent_at is null or s.instant_sent_at <= ${sentBefore})
            and not exists (select 1 from instant_alerts as o where o.subscriber_id = s.id and o.status = 'sending')
          from subscribers as s where s.id = a.subscriber_id
        )
        order by a.next_attempt_at, a.id
        limit ${input.limit}
      )`,
    join: { from: sql`subscribers as s`, on: sql`s.id = job.subscriber_id` },
    returning: sql`job.id, job.subscriber_id, s.email, s.public_id, s.token_version, s.neutral_subjects, s.language`,
  });
  return rows
    .map((r) => ({
      id: Number(r.id),
      subscriberId: Number(r.subscriber_id),
      email: r.email,
      publicId: r.public_id,
      tokenVersion: r.token_version,
      neutralSubjects: r.neutral_subjects,
      language: r.language,
    }))
    .sort((a, b) => a.id - b.id);
}

export interface AlertItemRow {
  alertId: number;
  changeId: number;
  eventId: string;
  type: ChangeType;
  detectedAt: Date;
}

export async function listAlertItems(db: Db | Tx, alertIds: readonly number[]): Promise<AlertItemRow[]> {
  if (alertIds.length === 0) return [];
  const rows = await db
    .selectFrom('instant_alert_items as i')
    .innerJoin('changes as c', 'c.id', 'i.change_id')
    .select(['i.alert_id', 'i.change_id', 'i.event_id', 'c.type', 'c.detected_at'])
    .where('i.alert_id', '=', sql<number>`any(${[...alertIds]}::bigint[])`)
    .orderBy('i.change_id')
    .execute();
  // Items are made from event changes only; the guard narrows the change log's wider type.
  return rows.flatMap((r) =>
    isEventChangeType(r.type)
      ? [{ alertId: Number(r.alert_id), changeId: Number(r.change_id), eventId: r.event_id, type: r.type, detectedAt: r.detected_at }]
      : [],
  );
}

/** Records what claimed alerts say and the batch they go in, before anything is sent. */
export async function recordAlerts(
  trx: Tx,
  input: { alerts: readonly { id: number; model: InstantAlertModel }[]; batchKey: string; now: Date },
): Promise<void> {
  if (input.alerts.length === 0) return;
  await sql`
    update instant_alerts as a set status = 'sending', recorded_at = ${input.now}, batch_key = ${input.batchKey}, model = r.model
    from unnest(${input.alerts.map((a) => a.id)}::bigint[], ${input.alerts.map((a) => JSON.stringify(a.model))}::jsonb[]) as r (id, model)
    where a.id = r.id`.execute(trx);
}

/**
 * Just before a recorded batch goes to the provider: answers the ids to send, and commits that
 * they were handed over. Alerts never handed over before (their key unknown to the provider)
 * whose subscriber has since turned instant alerts off or left are failed instead, so the batch
 * shrinks; alerts handed over before all go again, so the provider sees the same request under
 * the same key (it may hold it: the answer was lost, or the process died waiting). One statement.
 */
export async function handOverAlerts(db: Db, input: { ids: readonly number[]; now: Date }): Promise<number[]> {
  if (input.ids.length === 0) return [];
  // Never handed over, and its reader no longer wants instant alerts.
  const drop = sql`(a.handed_at is null and not (s.status = 'confirmed' and s.instant_alerts))`;
  const { rows } = await sql<{ id: string; status: string }>`
    update instant_alerts as a set
      status = case when ${drop} then 'failed' else a.status end,
      last_error = case when ${drop} then 'instant alerts turned off before the send' else a.last_error end,
      locked_by = case when ${drop} then null else a.locked_by end,
      locked_until = case when ${drop} then null else a.locked_until end,
      handed_at = case when ${drop} then null else coalesce(a.handed_at, ${input.now}) end
    from subscribers as s
    where a.id = any(${[...input.ids]}::bigint[]) and a.status = 'sending' and s.id = a.subscriber_id
    returning a.id, a.status`.execute(db);
  return rows
    .filter((r) => r.status === 'sending')
    .map((r) => Number(r.id))
    .sort((x, y) => x - y);
}

/** A recorded alert, to be sent (again) exactly as recorded. */
export interface RecordedAlert {
  id: number;
  subscriberId: number;
  attempts: number;
  model: InstantAlertModel;
}

/**
 * Claims one recorded batch whose send did not finish (its lease ran out, or it was put off
 * until now): all its rows, so it goes again under its key (whole once handed over: see
 * `handOverAlerts`).
 */
export async function claimStaleAlertBatch(
  db: Db,
  input: { owner: string; now: Date; leaseUntil: Date },
): Promise<{ batchKey: string; alerts: RecordedAlert[] } | undefined> {
  const rows = await claimJobs<{ id: string; subscriber_id: string; attempts: number; batch_key: string; model: InstantAlertModel }>(
    db,
    instantAlerts,
    {
      owner: input.owner,
      leaseUntil: input.leaseUntil,
      chosen: sql`stale as (
        select batch_key from instant_alerts
        where status = 'sending' and next_attempt_at <= ${input.now} and (locked_until is null or locked_until < ${input.now})
        order by next_attempt_at, id limit 1
      ), chosen as (
        select id from instant_alerts
        where status = 'sending' and batch_key = (select batch_key from stale)
          and (locked_until is null or locked_until < ${input.now})
        for update skip locked
      )`,
      returning: sql`job.id, job.subscriber_id, job.attempts, job.batch_key, job.model`,
    },
  );
  if (rows.length === 0) return undefined;
  const alerts = rows
    .map((r) => ({ id: Number(r.id), subscriberId: Number(r.subscriber_id), attempts: r.attempts, model: r.model }))
    .sort((a, b) => a.id - b.id);
  return { batchKey: rows[0]!.batch_key, alerts };
}

/**
 * The provider accepted the batch: the alerts are sent, their subscribers' interval starts now,
 * and alerts gathering for them meanwhile become due when it ends. One statement.
 */
export async function markAlertsSent(db: Db, input: { ids: readonly number[]; now: Date; minIntervalMs: number }): Promise<void> {
  if (input.ids.length === 0) return;
  await sql`
    with sent as (
      update instant_alerts set status = 'sent', sent_at = ${input.now}, locked_by = null, locked_until = null
      where id = any(${[...input.ids]}::bigint[]) and status = 'sending'
      returning subscriber_id
    ), subscriber as (
      update subscribers set instant_sent_at = ${input.now} where id in (select subscriber_id from sent)
    )
    update instant_alerts set next_attempt_at = greatest(next_attempt_at, ${input.now}::timestamptz + ${millis(input.minIntervalMs)})
    where status = 'pending' and subscriber_id in (select subscriber_id from sent)`.execute(db);
}

/** Alerts of a refused batch that were not the refused one: recorded as they were, sent again now under a new key (never handed over). */
export async function rekeyAlerts(db: Db, input: { ids: readonly number[]; batchKey: string; now: Date }): Promise<void> {
  if (input.ids.length === 0) return;
  await sql`
    update instant_alerts set batch_key = ${input.batchKey}, handed_at = null, next_attempt_at = ${input.now}, locked_by = null, locked_until = null
    where id = any(${[...input.ids]}::bigint[]) and status = 'sending'`.execute(db);
}

/** For each of these subscribers, when an instant alert sent to them last named each report (the digest's "alerted on"). */
export async function alertedEvents(db: Db | Tx, subscriberIds: readonly number[]): Promise<Map<number, Map<string, Date>>> {
  const result = new Map<number, Map<string, Date>>();
  if (subscriberIds.length === 0) return result;
  const rows = await db
    .selectFrom('instant_alert_items as i')
    .innerJoin('instant_alerts as a', 'a.id', 'i.alert_id')
    .select(['i.subscriber_id', 'i.event_id', (eb) => eb.fn.max('a.sent_at').as('sent_at')])
    .where('i.subscriber_id', '=', sql<number>`any(${[...subscriberIds]}::bigint[])`)
    .where('a.status', '=', 'sent')
    .groupBy(['i.subscriber_id', 'i.event_id'])
    .execute();
  for (const r of rows) {
    if (!r.sent_at) continue;
    const id = Number(r.subscriber_id);
    const events = result.get(id) ?? new Map<string, Date>();
    events.set(r.event_id, new Date(r.sent_at));
    result.set(id, events);
  }
  return result;
}
