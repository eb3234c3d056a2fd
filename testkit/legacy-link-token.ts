import { createHmac } from 'node:crypto';
import { deriveMacKey } from '../src/email/derive-key';
import type { TokenPurpose } from '../src/email/tokens';

/**
 * A link token in the wire format signed before subscribers had public ids (the row id in `s`),
 * as emails already sent still carry: proves such links keep working.
 */
export function signLegacyLinkToken(
  secret: string,
  purpose: TokenPurpose,
  claims: { subscriberId: number; version: number; issuedAt: Date; ref?: string },
): string {
  const payload = {
    p: purpose,
    s: claims.subscriberId,
    v: claims.version,
    i: Math.floor(claims.issuedAt.getTime() / 1000),
    ...(claims.ref !== undefined && { r: claims.ref }),
  };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', deriveMacKey(secret, `link-token:${purpose}`))
    .update(encoded)
    .digest('base64url');
  return `${encoded}.${mac}`;
}
