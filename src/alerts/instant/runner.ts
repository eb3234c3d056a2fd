import { randomUUID } from 'node:crypto';
import { loadEvents } from '../../db/events';
import {
  claimPendingAlerts,
  claimStaleAlertBatch,
  handOverAlerts,
  listAlertItems,
  markAlertsSent,
  type RecordedAlert,
  recordAlerts,
  rekeyAlerts,
} from '../../db/instant-alerts';
import { failJobs } from '../../db/queue/fail-jobs';
import { leaseOwner } from '../../db/queue/lease-owner';
import { instantAlerts } from '../../db/queue/queues';
import { retryJobsLater } from '../../db/queue/retry-jobs-later';
import { retryAt } from '../../db/queue/retry-schedule';
import { sendMailBatch, splitRefusedBatch } from '../../email/send-mail-batch';
import { MAX_BATCH_SIZE } from '../../email/transport';
import { acceptingWork } from '../../jobs/accepting-work';
import type { Resources } from '../../resources';
import { subscriberLinks } from '../../subscribers/links';
import { composeInstantAlert } from './compose';
import { instantMessage } from './message';

export type InstantDeps = Pick<Resources, 'db' | 'clock' | 'config' | 'tokens' | 'mailer' | 'log'> &
  Partial<Pick<Resources, 'instanceId' | 'isAcceptingWork'>>;

export interface InstantSendResult {
  sent: number;
  failed: number;
  deferred: number;
  batches: number;
}

export interface InstantSendOptions {
  batchSize?: number;
  /** Tests stop a run between recording a batch and sending it, as a crash would. */
  afterRecord?: (batch: RecordedBatch) => Promise<void>;
}

interface RecordedBatch {
  batchKey: string;
  alerts: RecordedAlert[];
}

/**
 * Sends every instant alert that may go now: first batches recorded by a run that did not
 * finish (under their key: whole once handed over, see handOverAlerts), then pending alerts, claimed (SKIP LOCKED),
 * composed and recorded in one transaction before they are handed to the mailer; the next batch
 * is prepared while one is posted. Safe to run twice, on several instances, and to kill anywhere.
 */
export async function sendInstantAlerts(deps: InstantDeps, options: InstantSendOptions = {}): Promise<InstantSendResult> {
  const result: InstantSendResult = { sent: 0, failed: 0, deferred: 0, batches: 0 };
  const owner = leaseOwner('instant', deps.instanceId);
  const leaseUntil = (now: Date) => new Date(now.getTime() + deps.config.digests.batchLeaseMs);
  while (acceptingWork(deps)) {
    const now = deps.clock.now();
    const stale = await claimStaleAlertBatch(deps.db, { owner, now, leaseUntil: leaseUntil(now) });
    if (!stale) break;
    await sendRecorded(deps, stale, result);
  }
  const limit = Math.min(options.batchSize ?? MAX_BATCH_SIZE, MAX_BATCH_SIZE);
  let posting: Promise<void> = Promise.resolve();
  try {
    while (acceptingWork(deps)) {
      const batch = await recordNextBatch(deps, { owner, limit, leaseUntil });
      if (!batch) break;
      await options.afterRecord?.(batch);
      await posting;
      posting = sendRecorded(deps, batch, result);
      posting.catch(() => undefined); // awaited before the next send or below
    }
  } finally {
    await posting.catch(() => undefined);
  }
  await posting;
  return result;
}

/** Claims pending alerts, composes each from its flagged changes and records them with a new batch key: one transaction. */
async function recordNextBatch(
  deps: InstantDeps,
  input: { owner: string; limit: number; leaseUntil: (now: Date) => Date },
): Promise<RecordedBatch | undefined> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const claimed = await claimPendingAlerts(trx, {
      owner: input.owner,
      now,
      leaseUntil: input.leaseUntil(now),
      limit: input.limit,
      minIntervalMs: deps.config.instantAlerts.minIntervalMs,
    });
    if (claimed.length === 0) return undefined;
    const items = await listAlertItems(
      trx,
      claimed.map((a) => a.id),
    );
    const events = await loadEvents(trx, [...new Set(items.map((i) => i.eventId))]);
    const alerts = claimed.map((alert) => {
      const links = subscriberLinks(deps, { public_id: alert.publicId, token_version: alert.tokenVersion }, now);
      const model = composeInstantAlert({
        email: alert.email,
        neutralSubjects: alert.neutralSubjects,
        language: alert.language,
        links: { manage: links.manage(), unsubscribe: links.unsubscribe(), site: links.site() },
        items: items.filter((i) => i.alertId === alert.id),
        events,
      });
      return { id: alert.id, subscriberId: alert.subscriberId, attempts: 1, model };
    });
    const batchKey = `instant-alerts-${randomUUID()}`;
    await recordAlerts(trx, { alerts, batchKey, now });
    return { batchKey, alerts };
  });
}

/** Hands a recorded batch to the mailer under its key and records the outcome. */
async function sendRecorded(deps: InstantDeps, batch: RecordedBatch, result: InstantSendResult): Promise<void> {
  // An alert whose reports all left the store says nothing: it is closed without an email.
  const empty = batch.alerts.filter((a) => a.model.items.length === 0).map((a) => a.id);
  if (empty.length > 0) await failJobs(deps.db, instantAlerts, { ids: empty, now: deps.clock.now(), error: 'no report left to tell' });
  // Never handed over: readers who left since drop out. Handed over before: the same request again.
  const toSend = new Set(
    await handOverAlerts(deps.db, {
      ids: batch.alerts.filter((a) => a.model.items.length > 0).map((a) => a.id),
      now: deps.clock.now(),
    }),
  );
  const alerts = batch.alerts.filter((a) => toSend.has(a.id));
  const ids = alerts.map((a) => a.id);
  if (alerts.length === 0) return;
  result.batches += 1;
  const sent = await sendMailBatch(
    deps.mailer,
    alerts.map((a) => instantMessage(a.model)),
    batch.batchKey,
  );
  const now = deps.clock.now();
  if (sent.kind === 'accepted') {
    await markAlertsSent(deps.db, { ids, now, minIntervalMs: deps.config.instantAlerts.minIntervalMs });
    result.sent += ids.length;
  } else if (sent.kind === 'refused') {
    const split = splitRefusedBatch(ids, sent);
    await deps.db.transaction().execute(async (trx) => {
      await markAlertsSent(trx, { ids: split.sent, now, minIntervalMs: deps.config.instantAlerts.minIntervalMs });
      await failJobs(trx, instantAlerts, { ids: split.failed, now, error: sent.error });
      await rekeyAlerts(trx, { ids: split.again, batchKey: `instant-alerts-${randomUUID()}`, now });
    });
    result.sent += split.sent.length;
    result.failed += split.failed.length;
    deps.log.error({ alerts: split.failed.length, code: sent.cause.code }, 'instant alerts refused by the provider');
  } else {
    const retry = Math.max(1, ...alerts.map((a) => a.attempts)) - 1;
    const at = retryAt({ now, schedule: deps.config.digests.retryScheduleMs, retry, retryAfterMs: sent.retryAfterMs });
    await retryJobsLater(deps.db, instantAlerts, { ids, at, error: sent.error });
    result.deferred += ids.length;
    deps.log.warn({ err: sent.cause, alerts: ids.length }, 'instant alerts not sent; they will be retried with the same key');
  }
}
