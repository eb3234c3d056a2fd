import { signUp } from '../db/subscribers';
import { hashEmail, normalizeEmail } from '../email/address';
import { type RateLimits, rateLimitedProblem, rateLimitKey } from '../http/rate-limits';
import type { Resources } from '../resources';
import type { NoticePump } from './notices';
import { type Preferences, storedPreferences } from './preferences';

/** A second notice to one address within this time is not sent (the answer stays the same). */
export const NOTICE_INTERVAL_MS = 2 * 60 * 1000;

/**
 * A sign-up, in one statement (db/subscribers.ts signUp): a point off the per-client and
 * per-address limits (a 429 problem once either is spent); then a new address becomes a
 * pending subscriber with a confirmation notice queued; a pending one gets its choices replaced
 * and the notice again; a confirmed one gets a "manage your alerts" notice and nothing
 * changes; a suppressed (bounced or complained) address gets nothing. The caller answers the
 * same in every case. Notices are rows committed with the sign-up and sent by the notice pump
 * after it, so a crash after the answer cannot lose one.
 */
export async function requestSubscription(
  deps: Pick<Resources, 'db' | 'clock' | 'appSecret'> & { rateLimits: RateLimits; noticePump: NoticePump },
  input: { email: string; preferences: Preferences; source: 'signup-page' | 'api'; client: string },
): Promise<void> {
  const email = normalizeEmail(input.email);
  const now = deps.clock.now();
  const { signupPerIp, signupPerAddress } = deps.rateLimits;
  const emailHash = hashEmail(email, deps.appSecret);
  const result = await signUp(deps.db, {
    email,
    emailHash,
    choices: storedPreferences(input.preferences),
    consentSource: input.source,
    now,
    noticeDueBefore: new Date(now.getTime() - NOTICE_INTERVAL_MS),
    limits: [
      { key: rateLimitKey('signupPerIp', input.client), ...signupPerIp },
      // Keyed by the address's keyed hash: the counters never hold an address.
      { key: rateLimitKey('signupPerAddress', emailHash), ...signupPerAddress },
    ],
  });
  if (result.outcome === 'limited') throw rateLimitedProblem(result.msBeforeNext);
  if (result.noticeQueued) deps.noticePump.kick();
}
