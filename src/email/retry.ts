import { PermanentEmailError, TransientEmailError } from './transport';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff; doubles per attempt up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A provider asking to wait longer than this ends the call with a TransientEmailError. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000, maxRetryAfterMs: 60_000 };

export interface AttemptFailure {
  /** now: transient; later: not worth retrying within this call (quota); never: permanent. */
  retry: 'now' | 'later' | 'never';
  code: string;
  status: number | null;
  message: string;
  retryAfterMs?: number;
}

export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; failure: AttemptFailure };

export interface RetryHooks {
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter source. */
  random: () => number;
  onRetry?: (retry: { attempt: number; delayMs: number; failure: AttemptFailure }) => void;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with "equal jitter": half the step guaranteed, half random. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + random() * (step / 2);
}

/**
 * Runs `attempt` until it succeeds, fails permanently, or the policy runs out. The caller's
 * attempt must resend the identical request (same idempotency key, same payload) each time.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    const outcome = await attempt(attemptNumber);
    if (outcome.ok) return outcome.value;
    const { failure } = outcome;
    if (failure.retry === 'never') throw new PermanentEmailError(failure.code, failure.message, failure.status);
    const tooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs;
    if (failure.retry === 'later' || tooLong || attemptNumber >= policy.maxAttempts) {
      throw new TransientEmailError(failure.code, failure.message, failure.status, attemptNumber, failure.retryAfterMs);
    }
    const backoff = backoffDelay(attemptNumber, policy, hooks.random);
    const delayMs =
      failure.retryAfterMs === undefined ? backoff : Math.max(failure.retryAfterMs + hooks.random() * policy.baseDelayMs, backoff);
    hooks.onRetry?.({ attempt: attemptNumber, delayMs, failure });
    await hooks.sleep(delayMs);
  }
}
