import { sql } from 'kysely';
import type { Db } from './database';
import type { SubscriberRow } from './subscribers';

/** A claimed notice with the subscriber it goes to (as stored now). */
export interface ClaimedNotice {
  id: number;
  kind: 'confirm' | 'manage';
  createdAt: Date;
  attempts: number;
  subscriber: Pick<SubscriberRow, 'id' | 'email' | 'status' | 'token_version' | 'countries' | 'regions' | 'categories' | 'frequency'>;
}

/**
 * Claims up to `limit` due notices, oldest first: attempts + 1 and a lease until `leaseUntil`,
 * so a worker that dies mid-send leaves them to be claimed again when the lease runs out.
 * Such a batch (its rows share the lease's end) is claimed again on its own, as it was, so it
 * is sent again under the same idempotency key. SKIP LOCKED lets workers on several instances
 * each take their own rows.
 */
export async function claimDueNotices(db: Db, input: { now: Date; leaseUntil: Date; limit: number }): Promise<ClaimedNotice[]> {
  const { rows } = await sql<{
    id: string;
    kind: 'confirm' | 'manage';
    created_at: Date;
    attempts: number;
    subscriber_id: string;
    email: string;
    status: 'pending' | 'confirmed';
    token_version: number;
    countries: string[];
    regions: string[];
    categories: string[];
    frequency: 'monthly' | 'weekly';
  }>`
    with abandoned as (
      select min(locked_until) as lease from signup_notices where failed_at is null and locked_until < ${input.now}
    ), due as (
      select id from signup_notices
      where failed_at is null and next_attempt_at <= ${input.now} and (locked_until is null or locked_until < ${input.now})
        and ((select lease from abandoned) is null or locked_until = (select lease from abandoned))
      order by next_attempt_at, id
      limit ${input.limit}
      for update skip locked
    )
    update signup_notices as n
    set attempts = n.attempts + 1, locked_until = ${input.leaseUntil}
    from due, subscribers as s
    where n.id = due.id and s.id = n.subscriber_id
    returning n.id, n.kind, n.created_at, n.attempts, s.id as subscriber_id, s.email, s.status, s.token_version,
      s.countries, s.regions, s.categories, s.frequency`.execute(db);
  return rows
    .map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      createdAt: r.created_at,
      attempts: r.attempts,
      subscriber: {
        id: Number(r.subscriber_id),
        email: r.email,
        status: r.status,
        token_version: r.token_version,
        countries: r.countries,
        regions: r.regions,
        categories: r.categories,
        frequency: r.frequency,
      },
    }))
    .sort((a, b) => a.id - b.id);
}

/** The mailer accepted them: nothing more to do. */
export async function deleteNotices(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length > 0)
    await db
      .deleteFrom('signup_notices')
      .where('id', 'in', [...ids])
      .execute();
}

/** Not sent this time: released for another attempt at `nextAttemptAt`. */
export async function retryNoticesLater(db: Db, ids: readonly number[], nextAttemptAt: Date, error: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('signup_notices')
    .set({ next_attempt_at: nextAttemptAt, locked_until: null, last_error: error })
    .where('id', 'in', [...ids])
    .execute();
}

/** Refused for good: kept with the reason, never claimed again. */
export async function failNotices(db: Db, ids: readonly number[], at: Date, error: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('signup_notices')
    .set({ failed_at: at, locked_until: null, last_error: error })
    .where('id', 'in', [...ids])
    .execute();
}
