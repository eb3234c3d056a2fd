// Standard Webhooks signing over `${id}.${unix seconds}.${body}`: `v1,<base64>` (HMAC-SHA256) per
// active secret and `v1a,<base64>` (Ed25519) per live service key, space-separated in `webhook-signature`.
import { createHmac, createSecretKey, type KeyObject, randomBytes, sign } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

export interface SignInput {
  /**
   * Every secret that currently signs (during rotation the new one and the old ones): as
   * `whsec_` text, or as keys `signingKey` prepared once (HMAC with a prepared key costs a third).
   */
  secrets: readonly (string | KeyObject)[];
  /** Ed25519 private keys for `v1a` signatures (the service's live keys), if the endpoint chose them. */
  asymmetricKeys?: readonly KeyObject[];
  /** The `webhook-id`: the same on every retry of one delivery. */
  id: string;
  timestamp: Date;
  /** The exact bytes that are sent: sign the serialised string, never re-serialise. */
  body: string;
}

export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/json';
};

export function generateWebhookSecret(byteLength = 32): string {
  if (!Number.isInteger(byteLength) || byteLength < MIN_SECRET_BYTES || byteLength > MAX_SECRET_BYTES) {
    throw new RangeError(`a webhook secret has ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} random bytes, not ${byteLength}`);
  }
  return SECRET_PREFIX + randomBytes(byteLength).toString('base64');
}

export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const encoded = secret.slice(SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  // Buffer.from silently skips bad characters, so compare the round trip to catch typos.
  if (key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
    throw new Error('a webhook secret is whsec_ followed by standard base64');
  }
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new Error(`a webhook secret has ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, not ${key.length}`);
  }
  return key;
}

/** A secret decoded and checked once, to sign many messages with. */
export function signingKey(secret: string): KeyObject {
  return createSecretKey(webhookSecretKey(secret));
}

export function webhookTimestamp(timestamp: Date): string {
  const milliseconds = timestamp.getTime();
  if (!Number.isFinite(milliseconds)) throw new Error('webhook timestamp is an invalid date');
  return String(Math.floor(milliseconds / 1000));
}

export function signPayload({ secrets, asymmetricKeys = [], id, timestamp, body }: SignInput): string {
  if (secrets.length === 0 && asymmetricKeys.length === 0) throw new Error('signing a webhook needs at least one secret or key');
  const prefix = `${id}.${webhookTimestamp(timestamp)}.`;
  const symmetric = secrets.map(
    (secret) =>
      `v1,${createHmac('sha256', typeof secret === 'string' ? webhookSecretKey(secret) : secret)
        .update(prefix)
        .update(body)
        .digest('base64')}`,
  );
  const content = asymmetricKeys.length > 0 ? Buffer.from(prefix + body) : undefined;
  const asymmetric = asymmetricKeys.map((key) => `v1a,${sign(null, content!, key).toString('base64')}`);
  return [...symmetric, ...asymmetric].join(' ');
}

export function webhookHeaders(input: SignInput): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': webhookTimestamp(input.timestamp),
    'webhook-signature': signPayload(input),
    'content-type': 'application/json',
  };
}
