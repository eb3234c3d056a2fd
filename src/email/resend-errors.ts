import { redactAddresses } from './address';
import type { AttemptFailure } from './retry';

/** The SDK's error value: it answers `{data, error, headers}` instead of throwing. */
export interface ResendSdkError {
  name: string;
  statusCode: number | null;
  message: string;
}

export type ProviderResult = 'rate_limited' | 'server_error' | 'network_error' | 'timeout' | 'rejected' | 'conflict';

/** `retry-after` as delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Maps a failed SDK call to what to do next, after Resend's error reference: 429 and 5xx
 * and no answer at all are transient; a concurrent request with the same key is transient;
 * quotas are transient but not within this call; every other 4xx is permanent.
 */
export function classifyResendError(
  error: ResendSdkError,
  headers: Record<string, string> | null,
  context: { now: Date; timedOut: boolean },
): AttemptFailure & { result: ProviderResult } {
  const status = error.statusCode;
  const message = redactAddresses(error.message ?? '');
  const code = error.name ?? 'unknown_error';
  if (status === null || status === undefined) {
    const result = context.timedOut ? 'timeout' : 'network_error';
    return { retry: 'now', code: result, status: null, message, result };
  }
  if (status === 429) {
    const retryAfterMs =
      parseRetryAfter(headers?.['retry-after'], context.now) ?? parseRetryAfter(headers?.['ratelimit-reset'], context.now);
    const quota = code === 'daily_quota_exceeded' || code === 'monthly_quota_exceeded';
    return { retry: quota ? 'later' : 'now', code, status, message, retryAfterMs, result: 'rate_limited' };
  }
  if (status === 409) {
    return { retry: code === 'concurrent_idempotent_requests' ? 'now' : 'never', code, status, message, result: 'conflict' };
  }
  if (status === 408 || status >= 500) return { retry: 'now', code, status, message, result: 'server_error' };
  return { retry: 'never', code, status, message, result: 'rejected' };
}
