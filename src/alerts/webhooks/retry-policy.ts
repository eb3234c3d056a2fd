/**
 * What follows an attempt, as Svix taught integrators: retries after 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h and 10 h (each ±20% jitter), then the delivery fails. 429 and 503 honour
 * Retry-After; 410 Gone disables the endpoint. WEBHOOK_RETRY_SCHEDULE replaces the schedule.
 */
export const RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
export const FAILING_ENDPOINT_DISABLE_MS = 5 * 24 * 3600_000;
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

export type AttemptOutcome = { kind: 'delivered' } | { kind: 'retry'; retryAt: Date } | { kind: 'failed'; disableEndpoint?: 'gone' };

export function decideAfterAttempt(input: {
  /** Attempts made so far, this one included. */
  attempts: number;
  statusCode: number | null;
  retryAfter: string | null;
  now: Date;
  random: () => number;
  /** Waits before each retry; the default is the one above. */
  schedule?: readonly number[];
}): AttemptOutcome {
  const { statusCode, now } = input;
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { kind: 'delivered' };
  if (statusCode === 410) return { kind: 'failed', disableEndpoint: 'gone' };
  const schedule = input.schedule ?? RETRY_SCHEDULE_MS;
  if (input.attempts > schedule.length) return { kind: 'failed' };
  const asked = statusCode === 429 || statusCode === 503 ? retryAfterMs(input.retryAfter, now) : undefined;
  const scheduled = schedule[input.attempts - 1]!;
  const jittered = scheduled * (0.8 + 0.4 * input.random());
  return { kind: 'retry', retryAt: new Date(now.getTime() + Math.max(asked ?? 0, asked === undefined ? jittered : 0)) };
}

/** Retry-After as seconds or an HTTP date; capped, and ignored when unreadable. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now.getTime();
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
