import { confirmPendingKey, removeKeys, setPendingKey } from '../db/subscriber-keys';
import { lockSubscriber, type SubscriberRow } from '../db/subscribers';
import { checkPublicKey, type KeyRefusal, keyRefusalText } from '../email/openpgp-key';
import type { Resources } from '../resources';
import type { NoticePump } from './notices';

type KeyDeps = Pick<Resources, 'db' | 'clock' | 'log' | 'mailer'> & { noticePump: NoticePump };

export type OfferOutcome =
  | { ok: true; fingerprint: string }
  | { ok: false; reason: KeyRefusal | 'transport-cannot-encrypt' | 'not-confirmed' };

/**
 * A subscriber gives a public key: checked (openpgp.js), held as pending, and a confirmation
 * encrypted to it queued in the same transaction. Nothing is encrypted to it until its holder
 * follows that link, so a manage link alone cannot redirect mail into a key someone else holds.
 * The pasted text is never logged, and is stored only when it is an acceptable public key.
 */
export async function offerKey(deps: KeyDeps, subscriber: SubscriberRow, pasted: string): Promise<OfferOutcome> {
  if (deps.mailer.canEncrypt !== true) return { ok: false, reason: 'transport-cannot-encrypt' };
  if (subscriber.status !== 'confirmed') return { ok: false, reason: 'not-confirmed' };
  const now = deps.clock.now();
  const checked = await checkPublicKey(pasted, { email: subscriber.email, now });
  if (!checked.ok) {
    deps.log.info({ subscriber: subscriber.id, reason: checked.reason }, 'OpenPGP key refused');
    return checked;
  }
  await deps.db.transaction().execute(async (trx) => {
    await lockSubscriber(trx, subscriber.id);
    await setPendingKey(trx, subscriber.id, { armoredKey: checked.armoredKey, fingerprint: checked.fingerprint, now });
  });
  deps.noticePump.kick();
  deps.log.info({ subscriber: subscriber.id, fingerprint: checked.fingerprint }, 'OpenPGP key pending confirmation');
  return { ok: true, fingerprint: checked.fingerprint };
}

/** The link of the encrypted confirmation: the pending key with that fingerprint becomes active. */
export async function confirmKey(deps: Pick<Resources, 'db' | 'clock' | 'log'>, subscriber: SubscriberRow, fingerprint: string) {
  if (subscriber.openpgp_fingerprint === fingerprint && !subscriber.openpgp_pending_fingerprint) return 'already' as const;
  const done = await confirmPendingKey(deps.db, subscriber.id, fingerprint, deps.clock.now());
  if (done) deps.log.info({ subscriber: subscriber.id, fingerprint }, 'OpenPGP key confirmed');
  return done ? ('confirmed' as const) : ('not-pending' as const);
}

export async function removeKey(deps: Pick<Resources, 'db' | 'clock' | 'log'>, subscriber: SubscriberRow): Promise<void> {
  await removeKeys(deps.db, subscriber.id, deps.clock.now());
  deps.log.info({ subscriber: subscriber.id }, 'OpenPGP key removed');
}

/** What the preference centre shows and the JSON API answers about the keys. */
export function keyStatusOf(subscriber: SubscriberRow) {
  return {
    fingerprint: subscriber.openpgp_fingerprint,
    confirmedAt: subscriber.openpgp_confirmed_at?.toISOString() ?? null,
    pendingFingerprint: subscriber.openpgp_pending_fingerprint,
    pendingSince: subscriber.openpgp_pending_at?.toISOString() ?? null,
  };
}

export type OfferRefusal = Exclude<OfferOutcome, { ok: true }>['reason'];

/** Why a key was not taken, in words (the key's own refusals read "This key ..."). */
export const offerRefusalText: Record<OfferRefusal, string> = {
  ...Object.fromEntries(Object.entries(keyRefusalText).map(([reason, text]) => [reason, `This key ${text}.`])),
  'transport-cannot-encrypt': 'This server cannot send encrypted email (it has no SMTP relay configured), so it does not take keys.',
  'not-confirmed': 'Confirm your alerts first (the link in the confirmation email), then add a key.',
} as Record<OfferRefusal, string>;
