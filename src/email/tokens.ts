import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock';
import type { SubscriberKey } from '../db/subscribers';
import { deriveMacKey } from './derive-key';

/** What a link does; each purpose has its own key, so a token never works for another. */
export const tokenPurposes = ['confirm', 'manage', 'unsubscribe', 'view', 'export', 'openpgp'] as const;
export type TokenPurpose = (typeof tokenPurposes)[number];

export interface TokenClaims {
  purpose: TokenPurpose;
  /** The subscriber's public id; tokens signed before public ids existed name the row id instead. */
  subscriber: SubscriberKey;
  /** The subscriber's token_version when signed: the caller refuses a token whose version is not the current one. */
  version: number;
  issuedAt: Date;
  expiresAt?: Date;
  /** Optional reference the link is about, e.g. the digest period of a view-in-browser link. */
  ref?: string;
}

export type TokenFailure = 'malformed' | 'bad-signature' | 'wrong-purpose' | 'expired';
export type TokenVerification = { ok: true; claims: TokenClaims } | { ok: false; reason: TokenFailure };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Confirmation links expire; unsubscribe, manage and view links never do, because old emails
 * must keep working (they die instead when the subscriber is deleted or their version bumped).
 */
export const defaultTokenTtlMs: Partial<Record<TokenPurpose, number>> = {
  confirm: 7 * DAY_MS,
  // Shown on the preference centre when it is opened: a download of everything stored about someone should not stay valid for long.
  export: 60 * 60 * 1000,
  // The confirmation of a new OpenPGP key (its ref is the key's fingerprint).
  openpgp: 7 * DAY_MS,
};

/** Far longer than any real token, short enough that nothing huge is ever decoded. */
const MAX_TOKEN_LENGTH = 1024;
const tokenShape = /^([A-Za-z0-9_-]{1,960})\.([A-Za-z0-9_-]{43})$/;

/**
 * The signed payload, with short keys to keep links short; times in Unix seconds. `u` is the
 * public id (the uuid's 16 bytes in base64url); `s`, the row id, only in tokens signed before.
 */
interface WirePayload {
  p: TokenPurpose;
  u?: string;
  s?: number;
  v: number;
  i: number;
  e?: number;
  r?: string;
}

const publicIdShape = /^[A-Za-z0-9_-]{22}$/;
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const packPublicId = (uuid: string) => Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64url');
function unpackPublicId(packed: string): string {
  const hex = Buffer.from(packed, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parsePayload(encoded: string): WirePayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { p, u, s, v, i, e, r } = value as Record<string, unknown>;
  const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  const names = u === undefined ? isCount(s) : s === undefined && typeof u === 'string' && publicIdShape.test(u);
  if (!tokenPurposes.includes(p as TokenPurpose) || !names || !isCount(v) || !isCount(i)) return undefined;
  if ((e !== undefined && !isCount(e)) || (r !== undefined && typeof r !== 'string')) return undefined;
  return value as WirePayload;
}

/**
 * Signed link tokens: `base64url(JSON claims).base64url(HMAC-SHA256)`, the MAC keyed per
 * purpose from APP_SECRET (HKDF). Not encrypted: the claims hold only a random public id,
 * the link version and times.
 */
export function createTokenSigner(secret: string, clock: Clock) {
  const keys = new Map(tokenPurposes.map((purpose) => [purpose, deriveMacKey(secret, `link-token:${purpose}`)] as const));
  const mac = (purpose: TokenPurpose, encodedPayload: string) =>
    createHmac('sha256', keys.get(purpose)!).update(encodedPayload).digest('base64url');

  return {
    /**
     * `ttlMs` undefined takes the purpose's default; null means the token never expires.
     * `issuedAt` (default now) lets a retried email carry the very same token.
     */
    sign(
      purpose: TokenPurpose,
      claims: { publicId: string; version: number; ref?: string },
      options: { ttlMs?: number | null; issuedAt?: Date } = {},
    ): string {
      const now = (options.issuedAt ?? clock.now()).getTime();
      const ttlMs = options.ttlMs === undefined ? defaultTokenTtlMs[purpose] : options.ttlMs;
      if (!uuidShape.test(claims.publicId)) throw new RangeError('publicId must be a uuid');
      const payload: WirePayload = {
        p: purpose,
        u: packPublicId(claims.publicId),
        v: claims.version,
        i: Math.floor(now / 1000),
        ...(ttlMs != null && { e: Math.floor((now + ttlMs) / 1000) }),
        ...(claims.ref !== undefined && { r: claims.ref }),
      };
      const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const token = `${encoded}.${mac(purpose, encoded)}`;
      // Refuse to sign what verify would refuse (a bad version, a ref too long for a link).
      if (!parsePayload(encoded) || !tokenShape.test(token))
        throw new RangeError('claims must be non-negative safe integers and a short ref');
      return token;
    },

    /** Never throws: anything that is not a valid, current token of this purpose is refused with a reason. */
    verify(token: unknown, expectedPurpose: TokenPurpose): TokenVerification {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
      const match = tokenShape.exec(token);
      if (!match) return { ok: false, reason: 'malformed' };
      const [, encoded, signature] = match as unknown as [string, string, string];
      const payload = parsePayload(encoded);
      if (!payload) return { ok: false, reason: 'malformed' };
      // Compared as the canonical base64url text, so no other spelling of the same bytes passes.
      if (!timingSafeEqual(Buffer.from(signature), Buffer.from(mac(payload.p, encoded)))) return { ok: false, reason: 'bad-signature' };
      if (payload.p !== expectedPurpose) return { ok: false, reason: 'wrong-purpose' };
      if (payload.e !== undefined && clock.now().getTime() >= payload.e * 1000) return { ok: false, reason: 'expired' };
      return {
        ok: true,
        claims: {
          purpose: payload.p,
          subscriber: payload.u !== undefined ? { publicId: unpackPublicId(payload.u) } : { id: payload.s! },
          version: payload.v,
          issuedAt: new Date(payload.i * 1000),
          ...(payload.e !== undefined && { expiresAt: new Date(payload.e * 1000) }),
          ...(payload.r !== undefined && { ref: payload.r }),
        },
      };
    },
  };
}

export type TokenSigner = ReturnType<typeof createTokenSigner>;
