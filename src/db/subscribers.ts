import { type Insertable, type QueryCreator, type Selectable, sql } from 'kysely';
import type { Database, Db, SubscribersTable, SuppressionsTable, Tx } from './database';
import { preparedAs } from './prepared-statements';

export type SubscriberRow = Selectable<SubscribersTable>;

/** The columns a subscriber's choices are stored in (subscribers/preferences.ts maps them to Preferences). */
export type SubscriberChoices = Pick<
  Insertable<SubscribersTable>,
  | 'countries'
  | 'regions'
  | 'categories'
  | 'frequency'
  | 'timezone'
  | 'skip_empty'
  | 'instant_alerts'
  | 'neutral_subjects'
  | 'country_context'
  | 'language'
>;

/** A fixed-window counter the sign-up takes a point from: `key` as in rate-limits.ts. */
export interface SignUpLimit {
  key: string;
  points: number;
  durationMs: number;
}

export type SignUpOutcome = { outcome: 'limited'; msBeforeNext: number } | { outcome: 'accepted'; noticeQueued: boolean };

/**
 * A whole sign-up in one statement (so one round trip and one commit), the same in every case
 * the caller must not tell apart:
 * - takes a point from each limit (in the order given, so concurrent sign-ups lock the counters
 *   in the same order), and stops there if any is spent;
 * - a suppressed (bounced, complained) address: nothing more;
 * - an address not yet stored: a pending subscriber and a confirmation notice;
 * - a stored one, locked: pending ones get their choices replaced; a notice (confirm, or
 *   manage for a confirmed subscriber) is queued unless one was within the interval.
 * Two first sign-ups for one address racing: the loser's insert meets the winner's row (its
 * choices replace the pending ones) and queues nothing, as the winner's notice is seconds old.
 */
export async function signUp(
  db: Db,
  input: {
    email: string;
    emailHash: string;
    choices: SubscriberChoices;
    consentSource: string;
    now: Date;
    /** A notice sent at or before this time may be sent again. */
    noticeDueBefore: Date;
    limits: readonly SignUpLimit[];
  },
): Promise<SignUpOutcome> {
  const { email, choices: p, now } = input;
  const nowMs = now.getTime();
  const counters = sql.join(input.limits.map((l) => sql`(${l.key}, 1, ${nowMs + l.durationMs}::bigint)`));
  const maxima = sql.join(input.limits.map((l) => sql`(${l.key}, ${l.points}::integer)`));
  const columns = {
    countries: sql`${p.countries}::text[]`,
    regions: sql`${p.regions}::text[]`,
    categories: sql`${p.categories}::text[]`,
  };
  const { rows } = await sql<{
    allowed: boolean;
    counters: { key: string; points: number; expire: string | number }[];
    queued: number;
  }>`${preparedAs('sign-up')}
    with counted as (
      insert into rate_limits as r (key, points, expire) values ${counters}
      on conflict (key) do update set
        points = case when r.expire <= ${nowMs} then 1 else r.points + 1 end,
        expire = case when r.expire <= ${nowMs} then excluded.expire else r.expire end
      returning r.key, r.points, r.expire
    ), allowed as (
      select coalesce(bool_and(counted.points <= maxima.points), false) as ok
      from counted join (values ${maxima}) as maxima (key, points) on maxima.key = counted.key
    ), proceed as (
      select (select ok from allowed)
        and not exists (select 1 from suppressions where email_hash = ${input.emailHash} and reason <> 'unsubscribed') as ok
    ), target as (
      select s.id, s.status, (s.notice_sent_at is null or s.notice_sent_at <= ${input.noticeDueBefore}) as due
      from subscribers s
      where s.email = ${email} and (select ok from proceed)
      for update
    ), updated as (
      update subscribers as s set
        countries = case when t.status = 'pending' then ${columns.countries} else s.countries end,
        regions = case when t.status = 'pending' then ${columns.regions} else s.regions end,
        categories = case when t.status = 'pending' then ${columns.categories} else s.categories end,
        frequency = case when t.status = 'pending' then ${p.frequency} else s.frequency end,
        timezone = case when t.status = 'pending' then ${p.timezone} else s.timezone end,
        skip_empty = case when t.status = 'pending' then ${p.skip_empty} else s.skip_empty end,
        instant_alerts = case when t.status = 'pending' then ${p.instant_alerts ?? false} else s.instant_alerts end,
        neutral_subjects = case when t.status = 'pending' then ${p.neutral_subjects ?? false} else s.neutral_subjects end,
        country_context = case when t.status = 'pending' then ${p.country_context ?? false} else s.country_context end,
        language = case when t.status = 'pending' then ${p.language ?? 'en'} else s.language end,
        updated_at = case when t.status = 'pending' then ${now} else s.updated_at end,
        notice_sent_at = case when t.due then ${now} else s.notice_sent_at end
      from target as t
      where s.id = t.id and (t.status = 'pending' or t.due)
      returning s.id, s.status, t.due as notify
    ), inserted as (
      insert into subscribers as s
        (email, status, countries, regions, categories, frequency, timezone, skip_empty, instant_alerts, neutral_subjects, country_context, language, created_at, updated_at, consent_source, notice_sent_at)
      select ${email}::text, 'pending', ${columns.countries}, ${columns.regions}, ${columns.categories}, ${p.frequency}::text, ${p.timezone}::text,
        ${p.skip_empty}::boolean, ${p.instant_alerts ?? false}::boolean, ${p.neutral_subjects ?? false}::boolean, ${p.country_context ?? false}::boolean, ${p.language ?? 'en'}::text, ${now}::timestamptz, ${now}::timestamptz, ${input.consentSource}::text, ${now}::timestamptz
      where (select ok from proceed) and not exists (select 1 from target)
      on conflict (email) do update set
        countries = case when s.status = 'pending' then excluded.countries else s.countries end,
        regions = case when s.status = 'pending' then excluded.regions else s.regions end,
        categories = case when s.status = 'pending' then excluded.categories else s.categories end,
        frequency = case when s.status = 'pending' then excluded.frequency else s.frequency end,
        timezone = case when s.status = 'pending' then excluded.timezone else s.timezone end,
        skip_empty = case when s.status = 'pending' then excluded.skip_empty else s.skip_empty end,
        instant_alerts = case when s.status = 'pending' then excluded.instant_alerts else s.instant_alerts end,
        neutral_subjects = case when s.status = 'pending' then excluded.neutral_subjects else s.neutral_subjects end,
        country_context = case when s.status = 'pending' then excluded.country_context else s.country_context end,
        language = case when s.status = 'pending' then excluded.language else s.language end,
        updated_at = case when s.status = 'pending' then excluded.updated_at else s.updated_at end
      returning s.id, s.status, (s.xmax = 0) as notify
    ), queued as (
      insert into signup_notices (subscriber_id, kind, created_at, next_attempt_at)
      select changed.id, case when changed.status = 'confirmed' then 'manage' else 'confirm' end, ${now}::timestamptz, ${now}::timestamptz
      from (select id, status, notify from updated union all select id, status, notify from inserted) as changed
      where changed.notify
      returning id
    )
    select (select ok from allowed) as allowed,
      (select json_agg(json_build_object('key', key, 'points', points, 'expire', expire)) from counted) as counters,
      (select count(*)::integer from queued) as queued`.execute(db);
  const row = rows[0]!;
  if (row.allowed) return { outcome: 'accepted', noticeQueued: row.queued > 0 };
  const spent = input.limits
    .map((limit) => ({ limit, counter: row.counters.find((c) => c.key === limit.key) }))
    .find(({ limit, counter }) => counter !== undefined && counter.points > limit.points);
  return { outcome: 'limited', msBeforeNext: spent ? Math.max(0, Number(spent.counter!.expire) - nowMs) : 0 };
}

/** How a link names a subscriber: its public id, or (links signed before public ids) its row id. */
export type SubscriberKey = { publicId: string } | { id: number };

export async function findSubscriberByKey(db: Db | Tx, key: SubscriberKey): Promise<SubscriberRow | undefined> {
  const query = db.selectFrom('subscribers').selectAll();
  return ('publicId' in key ? query.where('public_id', '=', key.publicId) : query.where('id', '=', key.id)).executeTakeFirst();
}

export async function findSubscriber(db: Db | Tx, id: number): Promise<SubscriberRow | undefined> {
  return db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockSubscriber(trx: Tx, id: number): Promise<SubscriberRow | undefined> {
  return trx.selectFrom('subscribers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findSubscriberByEmail(db: Db | Tx, email: string): Promise<SubscriberRow | undefined> {
  return db.selectFrom('subscribers').selectAll().where('email', '=', email).executeTakeFirst();
}

/**
 * Replaces a subscriber's choices. In the same statement, an instant alert still gathering
 * flags for a subscriber who turns instant alerts off is dropped: it is never sent, now or
 * after they turn them on again.
 */
export async function updatePreferences(db: Db | Tx, id: number, choices: SubscriberChoices, now: Date): Promise<void> {
  await db
    .with('updated', (q) =>
      q
        .updateTable('subscribers')
        .set({ ...choices, updated_at: now })
        .where('id', '=', id)
        .returningAll(),
    )
    .with('dropped', (q) => dropPendingAlertsOf(q))
    .selectFrom('updated')
    .select('id')
    .execute();
}

/** The pending instant alerts of the subscribers just updated who no longer want instant alerts (a CTE of `updated`). */
const dropPendingAlertsOf = (q: QueryCreator<Database & { updated: SubscriberRow }>) =>
  q
    .deleteFrom('instant_alerts')
    .using('updated')
    .whereRef('instant_alerts.subscriber_id', '=', 'updated.id')
    .where('instant_alerts.status', '=', 'pending')
    .where('updated.instant_alerts', '=', false)
    .returning('instant_alerts.id');

/**
 * Replaces the choices of a subscriber whose token version is still `version`, in one
 * statement (dropping a pending instant alert as updatePreferences does); undefined when there is no such subscriber (deleted, or their links retired).
 */
export async function updatePreferencesIfCurrent(
  db: Db | Tx,
  key: SubscriberKey,
  version: number,
  choices: SubscriberChoices,
  now: Date,
): Promise<SubscriberRow | undefined> {
  return db
    .with('updated', (q) =>
      q
        .updateTable('subscribers')
        .set({ ...choices, updated_at: now })
        .where((eb) => ('publicId' in key ? eb('public_id', '=', key.publicId) : eb('id', '=', key.id)))
        .where('token_version', '=', version)
        .returningAll(),
    )
    .with('dropped', (q) => dropPendingAlertsOf(q))
    .selectFrom('updated')
    .selectAll()
    .executeTakeFirst();
}

/**
 * Retires every link issued to the subscriber (each token carries the version it was signed
 * with), if the link asking is itself current: one statement, so two clicks retire them once.
 */
export async function retireSubscriberLinks(db: Db | Tx, id: number, version: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('subscribers')
    .set((eb) => ({ token_version: eb('token_version', '+', 1), updated_at: now }))
    .where('id', '=', id)
    .where('token_version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Confirms a pending subscriber and records consent; a confirmed one is left as it is. Their
 * digests start with the changes after this moment.
 */
/**
 * Confirms a pending subscriber. Their digest cursor starts before every change detected from
 * `coverFrom` on (the start of the period they confirm in), so their first digest covers the
 * whole period, not only the part after they confirmed.
 */
export async function confirmSubscriber(trx: Tx, id: number, now: Date, coverFrom: Date): Promise<void> {
  await trx
    .updateTable('subscribers')
    .set((eb) => ({
      status: 'confirmed',
      confirmed_at: now,
      consent_at: now,
      updated_at: now,
      digest_cursor: eb.fn.coalesce(
        eb
          .selectFrom('changes')
          .select((e) => e.fn.max('id').as('max'))
          .where('detected_at', '<', coverFrom),
        eb.lit(0),
      ),
    }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

export async function deleteSubscriber(trx: Tx, id: number): Promise<void> {
  await trx.deleteFrom('subscribers').where('id', '=', id).execute();
}

export async function findSuppression(db: Db | Tx, emailHash: string) {
  return db.selectFrom('suppressions').selectAll().where('email_hash', '=', emailHash).executeTakeFirst();
}

/** Records a suppression; a bounce or complaint is never downgraded to a plain unsubscribe. */
export async function suppress(db: Db | Tx, entry: SuppressionsTable): Promise<void> {
  await db
    .insertInto('suppressions')
    .values(entry)
    .onConflict((oc) =>
      oc
        .column('email_hash')
        .doUpdateSet({ reason: entry.reason, created_at: entry.created_at })
        .where('suppressions.reason', '=', 'unsubscribed'),
    )
    .execute();
}

/** Someone who unsubscribed and confirms a new sign-up wants email again. */
export async function liftUnsubscribe(db: Db | Tx, emailHash: string): Promise<void> {
  await db.deleteFrom('suppressions').where('email_hash', '=', emailHash).where('reason', '=', 'unsubscribed').execute();
}
