import { createHash } from 'node:crypto';
import { ProblemError } from '../errors';

/** A fixed window: `points` per `durationMs`, counted from the first use in the window. */
export interface RateLimitRule {
  points: number;
  durationMs: number;
}

export interface RateLimits {
  signupPerIp: RateLimitRule;
  signupPerAddress: RateLimitRule;
  /** Requests per integrator API key (counted by db/integrators.ts useApiKey). */
  perApiKey: RateLimitRule;
}

/**
 * The sign-up limits, counted in the `rate_limits` table (`<rule>:<key>`, points, expiry in
 * Unix ms: the layout rate-limiter-flexible used before) by the sign-up's own statement (see
 * db/subscribers.ts signUp), so they hold across instances and cost no round trip of their own.
 */
export function createRateLimits(): RateLimits {
  return {
    signupPerIp: { points: 20, durationMs: 60 * 60 * 1000 },
    signupPerAddress: { points: 5, durationMs: 60 * 60 * 1000 },
    perApiKey: { points: 600, durationMs: 60 * 1000 },
  };
}

/**
 * The counter's key for a rule, spelt as rate-limiter-flexible did (so rows from before carry over);
 * a key too long for the column (an address near 254 characters) is hashed instead.
 */
export function rateLimitKey(rule: keyof RateLimits, key: string): string {
  const full = `${rule}:${key}`;
  return full.length <= 255 ? full : `${rule}:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** A 429 problem with Retry-After, for a limit that frees up in `msBeforeNext`. */
export function rateLimitedProblem(msBeforeNext: number): ProblemError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new ProblemError(
    { type: 'rate-limited', title: 'Too many requests', status: 429, detail: `Please try again in ${seconds} seconds.` },
    { 'Retry-After': String(seconds) },
  );
}
