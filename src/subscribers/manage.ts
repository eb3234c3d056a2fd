import { nextDuePeriod } from '../alerts/digest/period';
import { confirmSubscriber, deleteSubscriber, liftUnsubscribe, lockSubscriber, suppress, updatePreferences } from '../db/subscribers';
import { hashEmail } from '../email/address';
import type { Resources } from '../resources';
import { type Preferences, storedPreferences } from './preferences';

type ManageDeps = Pick<Resources, 'db' | 'clock' | 'appSecret' | 'log'>;

/**
 * Double opt-in: confirm (idempotent) and clear an earlier unsubscribe, in one transaction.
 * Answers when the subscriber was confirmed (now, or earlier for a second click).
 */
export async function confirmSubscription(deps: ManageDeps, subscriberId: number): Promise<Date | undefined> {
  return deps.db.transaction().execute(async (trx) => {
    const subscriber = await lockSubscriber(trx, subscriberId);
    if (!subscriber) return undefined;
    if (subscriber.status === 'confirmed') return subscriber.confirmed_at ?? undefined;
    const now = deps.clock.now();
    const period = nextDuePeriod(subscriber.frequency, subscriber.timezone, now);
    await confirmSubscriber(trx, subscriberId, now, period.startAt);
    await liftUnsubscribe(trx, hashEmail(subscriber.email, deps.appSecret));
    return now;
  });
}

export async function savePreferences(deps: ManageDeps, subscriberId: number, preferences: Preferences): Promise<void> {
  await updatePreferences(deps.db, subscriberId, storedPreferences(preferences), deps.clock.now());
}

/**
 * Leaving: the subscriber and their choices are deleted; only a keyed hash of the address
 * stays, so nothing is sent to it again. Safe to repeat.
 */
export async function unsubscribe(deps: ManageDeps, subscriberId: number): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const subscriber = await lockSubscriber(trx, subscriberId);
    if (!subscriber) return;
    await suppress(trx, { email_hash: hashEmail(subscriber.email, deps.appSecret), reason: 'unsubscribed', created_at: deps.clock.now() });
    await deleteSubscriber(trx, subscriberId);
  });
  deps.log.info({ subscriber: subscriberId }, 'unsubscribed');
}
