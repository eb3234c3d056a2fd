import { readKey } from 'openpgp';

/** Far above any real public key with its signatures; a paste this long is a mistake or an attack. */
export const MAX_ARMORED_KEY_CHARS = 64 * 1024;

export type KeyRefusal = 'too-large' | 'secret-key' | 'armour' | 'revoked' | 'expired' | 'no-encryption-key' | 'other-address';

export type KeyCheck = { ok: true; armoredKey: string; fingerprint: string } | { ok: false; reason: KeyRefusal };

/** Why a key is refused, in words for the person who pasted it. */
export const keyRefusalText: Record<KeyRefusal, string> = {
  'too-large': `is too long for a public key (at most ${MAX_ARMORED_KEY_CHARS / 1024} KiB of armoured text)`,
  'secret-key':
    'is a SECRET (private) key: we did not keep it. Paste only your PUBLIC key (gpg --armor --export you@example.org), and keep the secret key private',
  armour: 'is not an armoured OpenPGP public key (it should start with -----BEGIN PGP PUBLIC KEY BLOCK-----)',
  revoked: 'has been revoked by its owner, so nothing can be encrypted to it',
  expired: 'has expired, so nothing can be encrypted to it',
  'no-encryption-key': 'has no usable key for encryption (only for signing, or too weak)',
  'other-address': 'belongs to another address: none of its user IDs is the address these alerts go to',
};

const secretMarker = /-----BEGIN PGP PRIVATE KEY BLOCK-----/;

/**
 * Checks a pasted public key with openpgp.js, as of `now`, for the subscriber's address: it must
 * parse, be public, not revoked or expired, able to encrypt, and carry the address as a user ID.
 * Answers the key re-armoured as a public key alone (nothing else pasted around it is kept).
 * A secret key is refused before and after parsing, and is never part of the answer.
 */
export async function checkPublicKey(pasted: string, input: { email: string; now: Date }): Promise<KeyCheck> {
  if (pasted.length > MAX_ARMORED_KEY_CHARS) return { ok: false, reason: 'too-large' };
  if (secretMarker.test(pasted)) return { ok: false, reason: 'secret-key' };
  let key: Awaited<ReturnType<typeof readKey>>;
  try {
    key = await readKey({ armoredKey: pasted.trim() });
  } catch {
    return { ok: false, reason: 'armour' };
  }
  if (key.isPrivate()) return { ok: false, reason: 'secret-key' };
  if (await key.isRevoked(undefined, undefined, input.now)) return { ok: false, reason: 'revoked' };
  const expires = await key.getExpirationTime().catch(() => null);
  if (expires instanceof Date && expires.getTime() <= input.now.getTime()) return { ok: false, reason: 'expired' };
  try {
    await key.getEncryptionKey(undefined, input.now);
  } catch {
    return { ok: false, reason: 'no-encryption-key' };
  }
  const address = input.email.toLowerCase();
  const addresses = key.users.map((user) => user.userID?.email.toLowerCase()).filter((email) => email);
  if (!addresses.includes(address)) return { ok: false, reason: 'other-address' };
  return { ok: true, armoredKey: key.toPublic().armor(), fingerprint: key.getFingerprint().toUpperCase() };
}
