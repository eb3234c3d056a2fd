import { sql } from 'kysely';
import type { Db, Language, NoticeKind } from './database';
import { claimJobs, dueAt } from './queue/claim-jobs';
import { signupNotices } from './queue/queues';
import type { SubscriberRow } from './subscribers';

/** A claimed notice with the subscriber it goes to (as stored now). */
export interface ClaimedNotice {
  id: number;
  kind: NoticeKind;
  createdAt: Date;
  attempts: number;
  subscriber: Pick<
    SubscriberRow,
    | 'id'
    | 'public_id'
    | 'email'
    | 'status'
    | 'token_version'
    | 'timezone'
    | 'countries'
    | 'regions'
    | 'categories'
    | 'frequency'
    | 'openpgp_pending_key'
    | 'openpgp_pending_fingerprint'
    | 'language'
  >;
}

/**
 * Claims up to `limit` due notices, oldest first: attempts + 1 and a lease (owner, until
 * `leaseUntil`), so a worker that dies mid-send leaves them to be claimed again when the lease
 * runs out. Such a batch (its rows share the lease's end) is claimed again on its own, as it
 * was, so it is sent again under the same idempotency key. SKIP LOCKED lets workers on several
 * instances each take their own rows.
 */
export async function claimDueNotices(
  db: Db,
  input: { owner: string; now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedNotice[]> {
  const rows = await claimJobs<{
    id: string;
    kind: NoticeKind;
    created_at: Date;
    attempts: number;
    subscriber_id: string;
    email: string;
    status: 'pending' | 'confirmed';
    token_version: number;
    public_id: string;
    timezone: string;
    countries: string[];
    regions: string[];
    categories: string[];
    frequency: 'monthly' | 'weekly';
    openpgp_pending_key: string | null;
    openpgp_pending_fingerprint: string | null;
    language: Language;
  }>(db, signupNotices, {
    owner: input.owner,
    leaseUntil: input.leaseUntil,
    chosen: sql`abandoned as (
      select min(locked_until) as lease from signup_notices where failed_at is null and locked_until < ${input.now}
    ), chosen as (
      select id from signup_notices
      where ${dueAt(signupNotices, input.now)}
        and ((select lease from abandoned) is null or locked_until = (select lease from abandoned))
      order by next_attempt_at, id
      limit ${input.limit}
      for update skip locked
    )`,
    join: { from: sql`subscribers as s`, on: sql`s.id = job.subscriber_id` },
    returning: sql`job.id, job.kind, job.created_at, job.attempts, s.id as subscriber_id, s.email, s.status, s.token_version, s.public_id, s.timezone,
      s.countries, s.regions, s.categories, s.frequency, s.openpgp_pending_key, s.openpgp_pending_fingerprint, s.language`,
  });
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
        public_id: r.public_id,
        timezone: r.timezone,
        countries: r.countries,
        regions: r.regions,
        categories: r.categories,
        frequency: r.frequency,
        openpgp_pending_key: r.openpgp_pending_key,
        openpgp_pending_fingerprint: r.openpgp_pending_fingerprint,
        language: r.language,
      },
    }))
    .sort((a, b) => a.id - b.id);
}
