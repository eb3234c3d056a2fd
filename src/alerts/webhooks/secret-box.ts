// Webhook secrets at rest: AES-256-GCM under a key derived from APP_SECRET (HKDF-SHA256),
// stored as `v1.<nonce base64url>.<ciphertext+tag base64url>`. The version leads so the
// scheme can change later while old rows still open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const HKDF_INFO = 'webhook-secrets';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
// Binding the version as associated data means a v1 body can never be read under another version's rules.
const ASSOCIATED_DATA = Buffer.from(`tracker-alerts:webhook-secret:${VERSION}`);

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

function deriveKey(appSecret: string): Buffer {
  if (appSecret.length === 0) throw new SecretBoxError('APP_SECRET is empty: cannot derive the webhook secret key');
  // APP_SECRET is already high-entropy, so an empty salt is fine (RFC 5869 section 3.1).
  return Buffer.from(hkdfSync('sha256', appSecret, Buffer.alloc(0), HKDF_INFO, 32));
}

export function sealSecret(appSecret: string, plaintext: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(appSecret), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(ASSOCIATED_DATA);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString('base64url')}.${ciphertext.toString('base64url')}`;
}

export function openSecret(appSecret: string, sealed: string): string {
  const [version, nonceText, bodyText, ...rest] = sealed.split('.');
  if (version !== VERSION || nonceText === undefined || bodyText === undefined || rest.length > 0) {
    throw new SecretBoxError(`sealed webhook secret is malformed (expected ${VERSION}.<nonce>.<ciphertext>)`);
  }
  const nonce = Buffer.from(nonceText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  // Buffer.from skips stray characters, so insist on the canonical spelling: one string per sealed value.
  const canonical = nonce.toString('base64url') === nonceText && body.toString('base64url') === bodyText;
  if (!canonical || nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
    throw new SecretBoxError('sealed webhook secret is malformed (bad encoding or length)');
  }
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(appSecret), nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(ASSOCIATED_DATA);
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError('sealed webhook secret failed authentication: wrong APP_SECRET or tampered data');
  }
}
