import { findSuppression, lockOrInsertSubscriber, markNoticeSent, updatePreferences, type SubscriberRow } from '../db/subscribers';
import type { Deps } from '../deps';
import { hashEmail, normalizeEmail } from '../email/address';
import { sendSignupNotice } from './notices';
import type { Preferences } from './preferences';

/** A second notice to one address within this time is not sent (the answer stays the same). */
export const NOTICE_INTERVAL_MS = 2 * 60 * 1000;

export type SignupNotice = { kind: 'confirm' | 'manage'; subscriber: SubscriberRow };

/**
 * A sign-up, in one transaction: a new address becomes a pending subscriber and gets a
 * confirmation email; a pending one gets its choices replaced and the email again; a confirmed
 * one gets a "manage your alerts" email and nothing changes. Suppressed (bounced or complained)
 * addresses get nothing. The caller answers the same in every case.
 */
export async function requestSubscription(
  deps: Deps,
  input: { email: string; preferences: Preferences; source: 'signup-page' | 'api' },
): Promise<void> {
  const email = normalizeEmail(input.email);
  const now = deps.clock.now();
  const notice = await deps.db.transaction().execute(async (trx): Promise<SignupNotice | undefined> => {
    const suppression = await findSuppression(trx, hashEmail(email, deps.appSecret));
    if (suppression && suppression.reason !== 'unsubscribed') return undefined;
    const { subscriber, created } = await lockOrInsertSubscriber(trx, {
      email,
      preferences: input.preferences,
      consentSource: input.source,
      now,
    });
    let current = subscriber;
    if (!created && subscriber.status === 'pending') {
      await updatePreferences(trx, subscriber.id, input.preferences, now);
      current = { ...subscriber, ...columnsOf(input.preferences) };
    }
    const recentlyNotified = subscriber.notice_sent_at !== null && now.getTime() - subscriber.notice_sent_at.getTime() < NOTICE_INTERVAL_MS;
    if (!created && recentlyNotified) return undefined;
    await markNoticeSent(trx, subscriber.id, now);
    return { kind: current.status === 'confirmed' ? 'manage' : 'confirm', subscriber: current };
  });
  if (notice) deps.background.run('signup notice', () => sendSignupNotice(deps, notice));
}

function columnsOf(p: Preferences) {
  return { countries: p.countries, regions: p.regions, categories: p.categories, frequency: p.frequency, timezone: p.timezone, skip_empty: p.skipEmpty };
}
