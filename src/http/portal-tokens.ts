import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveMacKey } from '../email/derive-key';

/** A portal link works for 15 minutes, once opened its session for an hour. */
export const PORTAL_LINK_TTL_MS = 15 * 60_000;
export const PORTAL_SESSION_TTL_MS = 60 * 60_000;

type PortalTokenKind = 'link' | 'session';
export type PortalTokenCheck = { ok: true; integratorId: string; expiresAt: Date } | { ok: false; reason: 'malformed' | 'expired' };

/**
 * Signed portal tokens, `base64url(JSON {k, i, e}).base64url(HMAC-SHA256)`, a key per kind
 * derived from APP_SECRET: a link token is never a session token, nor any other link's token.
 */
export function createPortalTokens(appSecret: string) {
  const keys = { link: deriveMacKey(appSecret, 'portal:link'), session: deriveMacKey(appSecret, 'portal:session') };
  const mac = (kind: PortalTokenKind, payload: string) => createHmac('sha256', keys[kind]).update(payload).digest('base64url');
  return {
    sign(kind: PortalTokenKind, integratorId: string, expiresAt: Date): string {
      const payload = Buffer.from(JSON.stringify({ k: kind, i: integratorId, e: Math.floor(expiresAt.getTime() / 1000) })).toString(
        'base64url',
      );
      return `${payload}.${mac(kind, payload)}`;
    },
    verify(kind: PortalTokenKind, token: string | undefined, now: Date): PortalTokenCheck {
      const match = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
      if (!match) return { ok: false, reason: 'malformed' };
      const expected = Buffer.from(mac(kind, match[1]!));
      if (!timingSafeEqual(expected, Buffer.from(match[2]!))) return { ok: false, reason: 'malformed' };
      const claims = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as { k: string; i: string; e: number };
      if (claims.k !== kind || typeof claims.i !== 'string' || !Number.isSafeInteger(claims.e)) return { ok: false, reason: 'malformed' };
      if (claims.e * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
      return { ok: true, integratorId: claims.i, expiresAt: new Date(claims.e * 1000) };
    },
  };
}

export type PortalTokens = ReturnType<typeof createPortalTokens>;
