// The service's Ed25519 keys for Standard Webhooks `v1a`: made on first need, sealed at rest,
// rotated with an overlap during which the old and the new key both sign, published as a JWKS.
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';

import { insertCurrentSigningKeyIfNone, listLiveSigningKeys, replaceCurrentSigningKey, type SigningKeyRow } from '../../db/signing-keys';
import type { Resources } from '../../resources';
import { openSecret, sealSecret } from './secret-box';

export type SigningKeyDeps = Pick<Resources, 'db' | 'appSecret' | 'clock'>;

export interface PublishedKey {
  kty: 'OKP';
  crv: 'Ed25519';
  alg: 'EdDSA';
  use: 'sig';
  kid: string;
  x: string;
  /** The same key as Standard Webhooks libraries take it (`whpk_` and standard base64). */
  whpk: string;
  /** When it stops signing; absent for the current key. */
  retiresAt?: string;
}

function newKeyRow(appSecret: string, now: Date) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const x = publicKey.export({ format: 'jwk' }).x!;
  return { id: `whk_${randomBytes(9).toString('base64url')}`, private_key: sealSecret(appSecret, der), public_key: x, created_at: now };
}

/** The keys that sign now (current first), making the first one if there is none yet. */
export async function liveSigningKeys(deps: SigningKeyDeps): Promise<SigningKeyRow[]> {
  const now = deps.clock.now();
  const live = await listLiveSigningKeys(deps.db, now);
  if (live.some((k) => k.retires_at === null)) return live;
  await insertCurrentSigningKeyIfNone(deps.db, newKeyRow(deps.appSecret, now));
  return listLiveSigningKeys(deps.db, now);
}

/** Private keys ready to sign with, current first. */
export async function openSigningKeys(deps: SigningKeyDeps): Promise<KeyObject[]> {
  return (await liveSigningKeys(deps)).map((row) =>
    createPrivateKey({ key: Buffer.from(openSecret(deps.appSecret, row.private_key), 'base64'), format: 'der', type: 'pkcs8' }),
  );
}

/** A new current key; the one before keeps signing until `overlapMs` from now. Answers the live keys after it. */
export async function rotateSigningKey(deps: SigningKeyDeps, overlapMs: number): Promise<SigningKeyRow[]> {
  const now = deps.clock.now();
  await liveSigningKeys(deps);
  await deps.db
    .transaction()
    .execute((trx) => replaceCurrentSigningKey(trx, newKeyRow(deps.appSecret, now), new Date(now.getTime() + overlapMs)));
  return listLiveSigningKeys(deps.db, now);
}

export function publishedKey(row: SigningKeyRow): PublishedKey {
  return {
    kty: 'OKP',
    crv: 'Ed25519',
    alg: 'EdDSA',
    use: 'sig',
    kid: row.id,
    x: row.public_key,
    whpk: `whpk_${Buffer.from(row.public_key, 'base64url').toString('base64')}`,
    ...(row.retires_at ? { retiresAt: row.retires_at.toISOString() } : {}),
  };
}
