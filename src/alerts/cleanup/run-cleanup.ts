import type { Db } from '../../db/database';
import {
  deleteExpiredRateLimits,
  deleteFinishedDeliveries,
  deleteOldWebhookAttempts,
  deleteUnconfirmedSubscribers,
  deleteUnusedWebhookPayloads,
} from '../../db/retention';
import { recordJobRun } from '../../jobs/job-metrics';
import { type ProcessLocks, runSingleton } from '../../jobs/singleton';
import type { Resources } from '../../resources';
import { CLEANUP_KINDS, type CleanupKind, cutoffs } from './policy';

export type CleanupDeps = Pick<Resources, 'db' | 'instanceId' | 'clock' | 'config' | 'log' | 'metrics' | 'mailer'> & {
  processLocks: ProcessLocks;
};

export type CleanupOutcome = { ran: true; deleted: Record<CleanupKind, number> } | { ran: false; reason: 'already-running' };

/** Rows per delete statement: short transactions, however much has piled up. */
const BATCH = 1000;

/**
 * The retention cleanup (CRON_CLEANUP, `npm run cleanup`): deletes sign-ups left unconfirmed,
 * webhook attempts and finished deliveries past their period, outbox emails past theirs and
 * expired rate-limit counters, and counts each deletion in `tracker_cleanup_deleted_total`.
 * Periods come from the config, applied to the injected clock's time. A singleton across
 * instances, and every statement is idempotent: safe to run twice or to kill at any point.
 */
export async function runCleanup(deps: CleanupDeps): Promise<CleanupOutcome> {
  const result = await runSingleton(deps, 'tracker-alerts:cleanup', (db) => recordJobRun(deps, 'cleanup', () => cleanUp(deps, db)));
  if (!result.ran) return { ran: false, reason: 'already-running' };
  deps.log.info({ deleted: result.value }, 'cleanup finished');
  return { ran: true, deleted: result.value };
}

async function cleanUp(deps: CleanupDeps, db: Db): Promise<Record<CleanupKind, number>> {
  const now = deps.clock.now();
  const before = cutoffs(now, deps.config.retention);
  const deleted = Object.fromEntries(CLEANUP_KINDS.map((kind) => [kind, 0])) as Record<CleanupKind, number>;
  const count = (kind: CleanupKind, n: number) => {
    deleted[kind] += n;
    deps.metrics.cleanupDeleted.inc({ kind }, n); // 0 too: every kind has a series from the first run
  };
  const inBatches = async (kind: CleanupKind, step: () => Promise<number>) => {
    for (let n = BATCH; n === BATCH; ) {
      n = await step();
      count(kind, n);
    }
  };
  await inBatches('unconfirmed_subscribers', () => deleteUnconfirmedSubscribers(db, before.unconfirmedBefore, BATCH));
  await inBatches('webhook_attempts', () => deleteOldWebhookAttempts(db, before.webhookAttemptsBefore, BATCH));
  await inBatches('webhook_deliveries', () => deleteFinishedDeliveries(db, before.webhookAttemptsBefore, BATCH));
  await inBatches('webhook_payloads', () => deleteUnusedWebhookPayloads(db, BATCH));
  await inBatches('rate_limits', () => deleteExpiredRateLimits(db, now, BATCH));
  if (deps.mailer.pruneSentBefore) count('outbox_files', await deps.mailer.pruneSentBefore(before.outboxBefore));
  return deleted;
}
