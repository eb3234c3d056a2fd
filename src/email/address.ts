import { createHmac } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { deriveMacKey } from './derive-key';

/**
 * The one form of an address that is stored, looked up, hashed and sent to: trimmed, NFC,
 * the domain in lower-case ASCII (IDN as punycode), and the local part lower-cased too.
 *
 * RFC 5321 lets a mailbox's local part be case-sensitive, but no provider our readers use
 * treats it so, while keeping case would let `Ana@x.org` and `ana@x.org` become two
 * subscriptions and let a suppressed address sign up again by changing case. Dots and
 * `+tags` are kept: what they mean depends on the provider.
 */
export function normalizeEmail(input: string): string {
  const trimmed = input.trim().normalize('NFC');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0) return trimmed.toLowerCase();
  const local = trimmed.slice(0, at).toLowerCase();
  const domain = trimmed.slice(at + 1).toLowerCase();
  return `${local}@${domainToASCII(domain) || domain}`;
}

const localPart = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]{1,64}$/;
const domainLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Syntax only (no DNS): what a sender may hand to a provider without a certain 422. */
export function isPlausibleEmail(address: string): boolean {
  if (typeof address !== 'string' || address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const local = address.slice(0, at);
  if (!localPart.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  const domain = domainToASCII(address.slice(at + 1).toLowerCase());
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => domainLabel.test(label))) return false;
  return /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(labels.at(-1)!);
}

/**
 * A keyed hash (HMAC-SHA256, hex) of the normalised address: what logs and the suppression
 * list hold instead of the address. Keyed, so a leaked log cannot be reversed by hashing a
 * list of known addresses.
 */
export function createEmailHasher(secret: string): (email: string) => string {
  const key = deriveMacKey(secret, 'email-hash');
  return (email) => createHmac('sha256', key).update(normalizeEmail(email)).digest('hex');
}

/** The hasher of the last secret seen: deriving its key (HKDF) costs more than the hash itself. */
let lastHasher: { secret: string; hash: (email: string) => string } | undefined;

export function hashEmail(email: string, secret: string): string {
  if (lastHasher?.secret !== secret) lastHasher = { secret, hash: createEmailHasher(secret) };
  return lastHasher.hash(email);
}

/** Replaces anything shaped like an address, for provider messages that may quote one. */
export function redactAddresses(text: string): string {
  return text.replace(/[^\s<>"'`@,;]+@[^\s<>"'`@,;]+/g, '[address]');
}
