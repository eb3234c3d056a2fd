import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { useApiKey } from '../db/integrators';
import { ProblemError, problems } from '../errors';
import type { Resources } from '../resources';
import { hashApiKey, isWellFormedApiKey, looksLikeApiKey } from './api-keys';
import { type RateLimits, rateLimitedProblem } from './rate-limits';

/** Who a request acts for: the operator (ADMIN_TOKEN) sees everything, an integrator only its own. */
export type Principal = { kind: 'admin' } | { kind: 'integrator'; integratorId: string; keyId?: string };

type PrincipalEnv = { Variables: { principal: Principal } };

/** A key's last use is written at most this often. */
const LAST_USED_EVERY_MS = 60_000;

const digest = (value: string) => createHash('sha256').update(value).digest();

const keyEnded = (type: 'api-key-revoked' | 'api-key-expired', title: string, detail: string) =>
  new ProblemError({ type, title, status: 401, detail }, { 'WWW-Authenticate': 'Bearer realm="tracker-alerts", error="invalid_token"' });

export const principalOf = (c: Context): Principal => (c as unknown as Context<PrincipalEnv>).get('principal');

/** Only what the caller may see: everything for the operator, its own for an integrator. */
export const ownedBy = (principal: Principal, integratorId: string | null) =>
  principal.kind === 'admin' || (principal.kind === 'integrator' && integratorId === principal.integratorId);

export type KeyAuthDeps = Pick<Resources, 'config' | 'db' | 'clock'> & { rateLimits: RateLimits };

/**
 * Bearer ADMIN_TOKEN (everything) or an integrator's API key (`tak_…`: its own resources only,
 * rate-limited per key across instances). A revoked or expired key is a 401 saying so. Without
 * ADMIN_TOKEN, a token that is not an API key gets the admin routes' 503, as before keys existed.
 */
export function requireAdminOrApiKey(deps: KeyAuthDeps) {
  const admin = deps.config.adminToken ? digest(deps.config.adminToken) : undefined;
  return createMiddleware<PrincipalEnv>(async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    const token = match?.[1];
    if (!token) throw problems.unauthorized('Send Authorization: Bearer <API key> (or the operator’s ADMIN_TOKEN).');
    if (looksLikeApiKey(token)) {
      c.set('principal', await checkApiKey(deps, token));
    } else {
      if (!admin) throw problems.adminDisabled();
      if (!timingSafeEqual(digest(token), admin)) throw problems.unauthorized('The bearer token is not valid.');
      c.set('principal', { kind: 'admin' });
    }
    await next();
  });
}

async function checkApiKey(deps: KeyAuthDeps, token: string): Promise<Principal> {
  const unknown = () => problems.unauthorized('This API key is not valid: check that it was copied whole.');
  if (!isWellFormedApiKey(token)) throw unknown();
  const now = deps.clock.now();
  const rule = deps.rateLimits.perApiKey;
  const key = await useApiKey(deps.db, { hash: hashApiKey(token), now, windowMs: rule.durationMs, lastUsedEveryMs: LAST_USED_EVERY_MS });
  if (!key) throw unknown();
  if (key.revoked_at) {
    throw keyEnded(
      'api-key-revoked',
      'The API key is revoked',
      `Key ${key.id} was revoked on ${key.revoked_at.toISOString()}; ask the operator for a new one.`,
    );
  }
  if (key.expires_at && key.expires_at <= now) {
    throw keyEnded(
      'api-key-expired',
      'The API key has expired',
      `Key ${key.id} expired on ${key.expires_at.toISOString()} after a rotation; use the new key.`,
    );
  }
  if (key.points !== null && key.expire !== null && key.points > rule.points) throw rateLimitedProblem(key.expire - now.getTime());
  return { kind: 'integrator', integratorId: key.integrator_id, keyId: key.id };
}
