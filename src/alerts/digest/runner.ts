import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { latestChangeId, listChangesBetween, listCountryChangesBetween } from '../../db/changes';
import { type ItemRecord, recordModel } from '../../db/digest-items';
import type { RecordedModel } from '../../db/digest-model';
import {
  type BatchToSend,
  claimPendingDigests,
  claimStaleBatch,
  deferBatch,
  type EmptyDigest,
  enqueueDigests,
  failBatch,
  finishDigestRun,
  markBatchSent,
  recordBatch,
  startDigestRun,
  subscriberSchedules,
} from '../../db/digests';
import { loadEvents } from '../../db/events';
import { alertedEvents } from '../../db/instant-alerts';
import { leaseOwner } from '../../db/queue/lease-owner';
import { retryAt } from '../../db/queue/retry-schedule';
import { sendMailBatch, splitRefusedBatch } from '../../email/send-mail-batch';
import { type EmailMessage, MAX_BATCH_SIZE } from '../../email/transport';
import { acceptingWork } from '../../jobs/accepting-work';
import type { Resources } from '../../resources';
import { buildDigest, PREVIEW_DIGEST_ID } from './build';
import { digestMessage } from './message';
import { latestDuePeriod, periodCache } from './period';
import { type ChangeWindow, indexChangeWindow } from './window';

/** A batch's claim outlives every retry the transport makes inside one send (the default of DIGEST_BATCH_LEASE). */
export const BATCH_LEASE_MS = 10 * 60_000;
/** Waits before a batch the provider did not take goes again (the default of DIGEST_RETRY_SCHEDULE). */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, 3_600_000];
/** Batches prepared (recorded and rendered) while one is being posted: enough to keep the poster busy, few enough to bound memory. */
export const BATCHES_AHEAD = 2;

export interface DigestTickResult {
  asOf: string;
  dryRun: boolean;
  enqueued: number;
  sent: number;
  skipped: number;
  failed: number;
  deferred: number;
  batches: number;
}

export interface DigestTickOptions {
  asOf: Date;
  trigger: string;
  dryRun?: boolean;
  batchSize?: number;
  /** Tests stop a run between recording a batch and sending it, as a crash would. */
  afterRecord?: (batch: BatchToSend) => Promise<void>;
  /** Told after each batch is handed to the mailer: the operator command prints a line per batch. */
  onBatch?: (progress: BatchProgress) => void;
}

export interface BatchProgress {
  /** The batch's number in this tick, from 1. */
  number: number;
  emails: number;
  outcome: 'sent' | 'refused' | 'deferred';
}

/**
 * One digest tick as if at `asOf`: enqueue each confirmed subscriber's due period (one row per
 * subscriber and period, under a unique constraint), send batches left unsent by crashed runs
 * exactly as recorded, then claim pending rows in batches (SKIP LOCKED), compose, record the
 * batch with its idempotency key, send it, and mark it sent with the cursors advanced. Safe to
 * run twice, to kill at any point, and on several instances at once.
 */
export async function runDigestTick(deps: Resources, options: DigestTickOptions): Promise<DigestTickResult> {
  const result: DigestTickResult = {
    asOf: options.asOf.toISOString(),
    dryRun: !!options.dryRun,
    enqueued: 0,
    sent: 0,
    skipped: 0,
    failed: 0,
    deferred: 0,
    batches: 0,
  };
  if (options.dryRun) return dryRun(deps, options.asOf, result);
  const timer = deps.metrics.jobDuration.startTimer({ job: 'digest' });
  const owner = leaseOwner('digest', deps.instanceId);
  const runId = await startDigestRun(deps.db, { trigger: options.trigger, asOf: options.asOf, now: deps.clock.now() });

  for (const schedule of await subscriberSchedules(deps.db)) {
    const period = latestDuePeriod(schedule.frequency, schedule.timezone, options.asOf);
    result.enqueued += await enqueueDigests(deps.db, { ...schedule, periodKey: period.key, dueAt: period.dueAt, now: deps.clock.now() });
  }

  // Statistics taken before a large enqueue would plan the claims as if the queue were tiny.
  if (result.enqueued > 10_000) await sql`analyze digests`.execute(deps.db);

  // Each loop stops claiming when the process drains for shutdown; what is left stays queued.
  while (acceptingWork(deps)) {
    const now = deps.clock.now();
    const stale = await claimStaleBatch(deps.db, { owner, now, leaseUntil: new Date(now.getTime() + deps.config.digests.batchLeaseMs) });
    if (!stale) break;
    await sendBatch(deps, stale, batchMessages(stale), result, options.onBatch);
  }

  const window = await loadWindow(deps, options.asOf);
  const build = {
    ...options,
    owner,
    window,
    periodOf: periodCache(),
    recordedItems: new Set<string>(),
    batchSize: options.batchSize ?? MAX_BATCH_SIZE,
  };
  // The poster sends one batch at a time; meanwhile up to BATCHES_AHEAD further batches are
  // claimed, composed, recorded (rows, models, key: committed before they can be sent) and
  // rendered, each in its own transaction, so the poster never waits for PostgreSQL.
  const ahead: Promise<Prepared | 'none' | 'skipped-only'>[] = [];
  let claiming = true;
  const claimAhead = () => {
    while (claiming && ahead.length < BATCHES_AHEAD && acceptingWork(deps)) {
      const next = prepareBatch(deps, build, result);
      next.catch(() => undefined); // awaited in order below; not an unhandled rejection meanwhile
      ahead.push(next);
    }
  };
  let posting: Promise<void> = Promise.resolve();
  try {
    claimAhead();
    while (ahead.length > 0) {
      const prepared = await ahead.shift()!;
      if (prepared === 'none') claiming = false;
      claimAhead();
      if (prepared === 'none' || prepared === 'skipped-only') continue;
      await options.afterRecord?.(prepared.batch);
      await posting;
      posting = sendBatch(deps, prepared.batch, prepared.messages, result, options.onBatch);
      posting.catch(() => undefined); // awaited before the next send or below
    }
  } catch (error) {
    // A crash of this run: what was recorded and not sent is sent by a later run, as recorded.
    claiming = false;
    await Promise.allSettled([posting, ...ahead]);
    throw error;
  }
  await posting;
  const { asOf: _, dryRun: __, ...counts } = result;
  await finishDigestRun(deps.db, runId, { now: deps.clock.now(), counts });
  timer({ outcome: result.failed > 0 ? 'partial' : 'ok' });
  deps.metrics.jobLastSuccess.set({ job: 'digest' }, deps.clock.now().getTime() / 1000);
  deps.log.info({ ...result }, 'digest tick finished');
  return result;
}

/** The changes (and their events) pending digests may need, read once per tick. */
async function loadWindow(deps: Resources, _asOf: Date): Promise<ChangeWindow> {
  const upTo = await latestChangeId(deps.db);
  const row = await deps.db
    .selectFrom('digests as d')
    .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .select((eb) => eb.fn.min('s.digest_cursor').as('from'))
    .where('d.status', '=', 'pending')
    .executeTakeFirst();
  const from = Number(row?.from ?? upTo);
  const changes = from < upTo ? await listChangesBetween(deps.db, from, upTo) : [];
  const events = await loadEvents(deps.db, [...new Set(changes.map((c) => c.eventId))]);
  return indexChangeWindow(upTo, changes, events, from < upTo ? await listCountryChangesBetween(deps.db, from, upTo) : []);
}

interface Prepared {
  batch: BatchToSend;
  messages: EmailMessage[];
}

/** Claims, composes and records one batch in a transaction, then renders its emails. */
async function prepareBatch(
  deps: Resources,
  input: DigestTickOptions & {
    owner: string;
    window: ChangeWindow;
    periodOf: typeof latestDuePeriod;
    recordedItems: Set<string>;
    batchSize: number;
  },
  result: DigestTickResult,
): Promise<Prepared | 'none' | 'skipped-only'> {
  const recorded = await deps.db.transaction().execute(async (trx) => {
    const claimed = await claimPendingDigests(trx, { asOf: input.asOf, limit: input.batchSize });
    if (claimed.length === 0) return 'none' as const;
    const now = deps.clock.now();
    const rows: BatchToSend['rows'] = [];
    const recordedRows: { id: number; model: RecordedModel; cursorTo: number; itemCount: number }[] = [];
    const items: ItemRecord[] = [];
    const empty: EmptyDigest[] = [];
    const alerted = await alertedEvents(
      trx,
      claimed.map((d) => d.subscriber_id),
    );
    for (const digest of claimed) {
      const built = buildDigest(deps, digest, input.window, input.periodOf, alerted.get(digest.subscriber_id));
      const cursorTo = Math.max(input.window.upTo, digest.digest_cursor);
      if (built.kind === 'skip') {
        empty.push({ id: digest.id, subscriberId: digest.subscriber_id, cursorTo });
        continue;
      }
      const recordedModel = recordModel(built.model);
      for (const item of recordedModel.items) if (!input.recordedItems.has(item.ref)) items.push(item);
      rows.push({ id: digest.id, subscriberId: digest.subscriber_id, model: built.model, cursorTo });
      recordedRows.push({ id: digest.id, model: recordedModel.model, cursorTo, itemCount: built.itemCount });
    }
    const key = `digest-batch-${randomUUID()}`;
    const leaseUntil = new Date(now.getTime() + deps.config.digests.batchLeaseMs);
    const id = await recordBatch(trx, { key, owner: input.owner, now, leaseUntil, rows: recordedRows, items, empty });
    return {
      skipped: empty.length,
      itemRefs: items.map((item) => item.ref),
      batch: id === undefined ? undefined : { id, key, attempts: 0, rows },
    };
  });
  if (recorded === 'none') return 'none';
  result.skipped += recorded.skipped;
  if (!recorded.batch) return 'skipped-only';
  // Committed: later batches of this tick need not send these lines again (rows there never change).
  for (const ref of recorded.itemRefs) input.recordedItems.add(ref);
  return { batch: recorded.batch, messages: batchMessages(recorded.batch) };
}

/** The emails of a recorded batch: a pure function of its recorded models, so a resend is byte for byte the same. */
function batchMessages(batch: BatchToSend): EmailMessage[] {
  return batch.rows.map((row) => digestMessage(row.model));
}

/** Sends a recorded batch (the same key and payload every time) and records the outcome. */
async function sendBatch(
  deps: Resources,
  batch: BatchToSend,
  messages: EmailMessage[],
  result: DigestTickResult,
  onBatch: DigestTickOptions['onBatch'],
): Promise<void> {
  result.batches += 1;
  const number = result.batches;
  const sent = await sendMailBatch(deps.mailer, messages, batch.key);
  const now = deps.clock.now();
  if (sent.kind === 'accepted') {
    await markBatchSent(deps.db, batch, now);
    result.sent += batch.rows.length;
    onBatch?.({ number, emails: messages.length, outcome: 'sent' });
  } else if (sent.kind === 'refused') {
    const split = splitRefusedBatch(
      batch.rows.map((r) => r.id),
      sent,
    );
    await failBatch(deps.db, batch, { ...split, error: sent.error, now });
    result.sent += split.sent.length;
    result.failed += split.failed.length;
    deps.log.error({ batch: batch.id, code: sent.cause.code }, 'digest batch refused by the provider');
    onBatch?.({ number, emails: messages.length, outcome: 'refused' });
  } else {
    // A batch's first send is not a claim: its attempts count earlier sends, and index the schedule.
    const at = retryAt({ now, schedule: deps.config.digests.retryScheduleMs, retry: batch.attempts, retryAfterMs: sent.retryAfterMs });
    await deferBatch(deps.db, batch.id, { retryAt: at, error: sent.error });
    result.deferred += batch.rows.length;
    deps.log.warn({ batch: batch.id, err: sent.cause }, 'digest batch not sent; it will be retried with the same key');
    onBatch?.({ number, emails: messages.length, outcome: 'deferred' });
  }
}

/** What a tick would do at `asOf`, writing nothing. */
async function dryRun(deps: Resources, asOf: Date, result: DigestTickResult): Promise<DigestTickResult> {
  const window = await loadWindowForAll(deps);
  const subscribers = await deps.db.selectFrom('subscribers').selectAll().where('status', '=', 'confirmed').execute();
  for (const s of subscribers) {
    const period = latestDuePeriod(s.frequency, s.timezone, asOf);
    if (!s.confirmed_at || s.confirmed_at >= period.dueAt) continue;
    const exists = await deps.db
      .selectFrom('digests')
      .select('id')
      .where('subscriber_id', '=', Number(s.id))
      // As enqueueDigests: this period, or a later one, already queued or sent.
      .where((eb) => eb.or([eb('period_key', '=', period.key), eb('due_at', '>=', period.dueAt)]))
      .executeTakeFirst();
    if (exists) continue;
    result.enqueued += 1;
    const built = buildDigest(
      deps,
      {
        ...s,
        id: 0,
        digest_public_id: PREVIEW_DIGEST_ID,
        subscriber_id: Number(s.id),
        period_key: period.key,
        due_at: period.dueAt,
        digest_cursor: Number(s.digest_cursor),
      },
      window,
    );
    if (built.kind === 'skip') result.skipped += 1;
    else result.sent += 1;
  }
  return result;
}

async function loadWindowForAll(deps: Resources): Promise<ChangeWindow> {
  const upTo = await latestChangeId(deps.db);
  const row = await deps.db
    .selectFrom('subscribers')
    .select((eb) => eb.fn.min('digest_cursor').as('from'))
    .where('status', '=', 'confirmed')
    .executeTakeFirst();
  const from = Number(row?.from ?? upTo);
  const changes = from < upTo ? await listChangesBetween(deps.db, from, upTo) : [];
  const countryChanges = from < upTo ? await listCountryChangesBetween(deps.db, from, upTo) : [];
  return indexChangeWindow(upTo, changes, await loadEvents(deps.db, [...new Set(changes.map((c) => c.eventId))]), countryChanges);
}
