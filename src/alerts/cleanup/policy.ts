import type { Config } from '../../config';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the cleanup deletes, one counter label each (`tracker_cleanup_deleted_total{kind}`). */
export const CLEANUP_KINDS = ['unconfirmed_subscribers', 'webhook_attempts', 'webhook_deliveries', 'webhook_payloads', 'outbox_files', 'rate_limits'] as const;
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

/** An outbox key record (`outbox/.keys/*.json`): when its emails were written and their files. */
export interface OutboxRecord {
  createdAt: string;
  files: string[];
}

/**
 * Which outbox entries to delete: records (with their emails) written before the cutoff, by
 * the time they record; loose files (no record names them: leftovers of a crash) by mtime.
 */
export function expiredOutboxEntries(
  input: { records: { name: string; record: OutboxRecord | undefined; mtime: Date }[]; files: { name: string; mtime: Date }[] },
  before: Date,
): { records: string[]; files: string[] } {
  const records: string[] = [];
  const files: string[] = [];
  const kept = new Set<string>();
  for (const { name, record, mtime } of input.records) {
    const written = record ? new Date(record.createdAt) : mtime;
    if (Number.isNaN(written.getTime()) || written >= before) {
      record?.files.forEach((f) => kept.add(f));
      continue;
    }
    records.push(name);
    files.push(...(record?.files ?? []));
  }
  const listed = new Set(files);
  for (const { name, mtime } of input.files) {
    if (!listed.has(name) && !kept.has(name) && mtime < before) files.push(name);
  }
  return { records, files };
}
