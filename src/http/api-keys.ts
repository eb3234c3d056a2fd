import { createHash, randomBytes } from 'node:crypto';

/** Every API key starts with this, so secret scanners and people recognise one. */
export const API_KEY_PREFIX = 'tak_';
/** How much of a key lists show: the prefix and 8 random characters. */
const SHOWN_CHARACTERS = API_KEY_PREFIX.length + 8;
const keyShape = /^tak_[A-Za-z0-9_-]{43}$/;

export interface NewKey {
  id: string;
  /** The whole key: shown once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export const looksLikeApiKey = (token: string) => token.startsWith(API_KEY_PREFIX);
export const isWellFormedApiKey = (token: string) => keyShape.test(token);

export function newApiKey(): NewKey {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { id: `key_${randomBytes(9).toString('base64url')}`, key, prefix: key.slice(0, SHOWN_CHARACTERS), hash: hashApiKey(key) };
}

export const newIntegratorId = () => `int_${randomBytes(9).toString('base64url')}`;
