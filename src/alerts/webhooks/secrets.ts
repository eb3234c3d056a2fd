import type { SealedSecret } from '../../db/database';
import { openSecret, sealSecret } from './secret-box';
import { generateWebhookSecret } from './sign';

/** At most this many old secrets keep signing after rotations (each for 24 h). */
const MAX_OLD_SECRETS = 10;
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

/** The secrets that sign now: the current one and those rotated out less than 24 h ago. */
export function signingSecrets(appSecret: string, secrets: readonly SealedSecret[], now: Date): string[] {
  return secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime()).map((s) => openSecret(appSecret, s.sealed));
}

/** A fresh secret (shown once) and the sealed list to store: it first, the old ones expiring in 24 h. */
export function rotateSecrets(appSecret: string, secrets: readonly SealedSecret[], now: Date): { secret: string; secrets: SealedSecret[] } {
  const secret = generateWebhookSecret();
  const expiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
  const old = secrets
    .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime())
    .map((s) => ({ sealed: s.sealed, expiresAt: s.expiresAt ?? expiresAt }))
    .slice(0, MAX_OLD_SECRETS);
  return { secret, secrets: [{ sealed: sealSecret(appSecret, secret), expiresAt: null }, ...old] };
}

export function firstSecret(appSecret: string): { secret: string; secrets: SealedSecret[] } {
  const secret = generateWebhookSecret();
  return { secret, secrets: [{ sealed: sealSecret(appSecret, secret), expiresAt: null }] };
}
