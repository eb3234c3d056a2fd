import { type RawBuilder, sql } from 'kysely';

/**
 * The app's queues. Each table has the same lease columns (migration 0012): `attempts`,
 * `next_attempt_at` (due from then), `locked_by` and `locked_until` (the lease: who holds the
 * row and until when), `last_error`. What differs is described here, so the operations beside
 * this file work on any of them.
 */
export interface Queue {
  table: 'signup_notices' | 'digest_batches' | 'webhook_deliveries' | 'instant_alerts';
  /** The type of the `id` column, for passing ids as one array parameter. */
  idType: 'bigint' | 'text';
  /** Rows still queued: neither done nor given up (columns unqualified). */
  waiting: RawBuilder<unknown>;
  /** Completing a row: these assignments, or deleting it. */
  completed: (now: Date) => RawBuilder<unknown> | 'delete';
  /** Giving a row up for good (kept with its reason in `last_error`). */
  failed: (now: Date) => RawBuilder<unknown>;
}

export type JobId = number | string;

/** Confirmation and "manage your alerts" emails: sent rows are deleted. */
export const signupNotices: Queue = {
  table: 'signup_notices',
  idType: 'bigint',
  waiting: sql`failed_at is null`,
  completed: () => 'delete',
  failed: (now) => sql`failed_at = ${now}`,
};

/** Recorded digest batches, sent (and resent) under their idempotency key. */
export const digestBatches: Queue = {
  table: 'digest_batches',
  idType: 'bigint',
  waiting: sql`status = 'sending'`,
  completed: (now) => sql`status = 'sent', sent_at = ${now}`,
  failed: () => sql`status = 'failed'`,
};

/** Webhook deliveries (their outcomes are recorded in batches with their attempts: db/webhook-deliveries.ts). */
export const webhookDeliveries: Queue = {
  table: 'webhook_deliveries',
  idType: 'text',
  waiting: sql`status = 'pending'`,
  completed: (now) => sql`status = 'delivered', delivered_at = ${now}`,
  failed: () => sql`status = 'failed'`,
};

/** Instant watch-flag alerts: gathered while `pending`, recorded and sent (and resent) under their batch key while `sending`. */
export const instantAlerts: Queue = {
  table: 'instant_alerts',
  idType: 'bigint',
  waiting: sql`status in ('pending', 'sending')`,
  completed: (now) => sql`status = 'sent', sent_at = ${now}`,
  failed: () => sql`status = 'failed'`,
};

/** `id = any($ids)`, the ids as one array parameter of the column's type. */
export const idIn = (queue: Queue, ids: readonly JobId[]): RawBuilder<unknown> =>
  queue.idType === 'bigint' ? sql`id = any(${ids.map(Number)}::bigint[])` : sql`id = any(${ids.map(String)}::text[])`;
