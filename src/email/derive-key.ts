import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

/**
 * One independent 256-bit key per use of APP_SECRET (HKDF-SHA256, RFC 5869), so a MAC made
 * for one purpose can never be replayed as another and the raw secret is never a MAC key.
 */
export function deriveKey(secret: string, purpose: string): Buffer {
  if (!secret) throw new RangeError('the application secret is empty');
  return Buffer.from(hkdfSync('sha256', secret, 'tracker-alerts/v1', purpose, 32));
}

/** The same key as a KeyObject for createHmac: a raw Buffer key is re-imported on every call (about 10 µs each). */
export function deriveMacKey(secret: string, purpose: string): KeyObject {
  return createSecretKey(deriveKey(secret, purpose));
}
