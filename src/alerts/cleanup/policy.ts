import type { Config } from '../../config';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the cleanup deletes, one counter label each (`tracker_cleanup_deleted_total{kind}`). */
export const CLEANUP_KINDS = [
  'unconfirmed_subscribers',
  'webhook_attempts',
  'webhook_deliveries',
  'webhook_payloads',
  'outbox_files',
  'rate_limits',
] as const;
export type CleanupKind = (typeof CLEANUP_KINDS)[number];

export interface Cutoffs {
  /** Pending sign-ups with no activity since then are deleted. */
  unconfirmedBefore: Date;
  /** Webhook attempts made before then, and finished deliveries last active before then. */
  webhookAttemptsBefore: Date;
  /** Outbox emails written before then. */
  outboxBefore: Date;
}

/** The retention periods applied to `now` (the injected clock's time). */
export function cutoffs(now: Date, retention: Config['retention']): Cutoffs {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);
  return {
    unconfirmedBefore: daysAgo(retention.unconfirmedDays),
    webhookAttemptsBefore: daysAgo(retention.webhookAttemptsDays),
    outboxBefore: daysAgo(retention.outboxDays),
  };
}
