import type { Db, Tx } from '../db/database';
import { findSubscriberByKey, type SubscriberRow, updatePreferencesIfCurrent } from '../db/subscribers';
import type { TokenClaims, TokenPurpose } from '../email/tokens';
import type { Resources } from '../resources';
import { type Preferences, storedPreferences } from './preferences';

const MAX_TOKEN_VERSION = 2 ** 31 - 1;

export type TokenProblem = 'malformed' | 'bad-signature' | 'wrong-purpose' | 'expired' | 'no-longer-valid' | 'signed-out';

/**
 * The subscriber a link's token names, if the token is genuine, for this purpose, unexpired,
 * and the subscriber still exists ('no-longer-valid' if not) with the same token version
 * ('signed-out' if the subscriber has since retired every link issued before). The claims come
 * along for what else the link carries (its ref).
 */
export async function subscriberFromToken(
  deps: Pick<Resources, 'tokens'>,
  db: Db | Tx,
  token: string | undefined,
  purpose: TokenPurpose,
): Promise<{ ok: true; subscriber: SubscriberRow; claims: TokenClaims } | { ok: false; problem: TokenProblem }> {
  const verified = deps.tokens.verify(token ?? '', purpose);
  if (!verified.ok) return { ok: false, problem: verified.reason };
  const subscriber = await findSubscriberByKey(db, verified.claims.subscriber);
  if (!subscriber) return { ok: false, problem: 'no-longer-valid' };
  if (subscriber.token_version !== verified.claims.version) return { ok: false, problem: 'signed-out' };
  return { ok: true, subscriber, claims: verified.claims };
}

/**
 * The manage link's "save": checks the token, then replaces the choices in one statement that
 * also checks the subscriber still exists with the token's version (one round trip, and no
 * gap between the check and the change).
 */
export async function savePreferencesWithToken(
  deps: Pick<Resources, 'tokens' | 'db' | 'clock'>,
  token: string | undefined,
  preferences: Preferences,
): Promise<{ ok: true; subscriber: SubscriberRow } | { ok: false; problem: TokenProblem }> {
  const verified = deps.tokens.verify(token ?? '', 'manage');
  if (!verified.ok) return { ok: false, problem: verified.reason };
  const { subscriber: key, version } = verified.claims;
  // token_version is an integer column: no subscriber has a larger one (and PostgreSQL would refuse the parameter).
  if (version > MAX_TOKEN_VERSION) return { ok: false, problem: 'no-longer-valid' };
  const subscriber = await updatePreferencesIfCurrent(deps.db, key, version, storedPreferences(preferences), deps.clock.now());
  return subscriber ? { ok: true, subscriber } : { ok: false, problem: 'no-longer-valid' };
}
