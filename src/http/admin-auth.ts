import { createHash, timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { problems } from '../errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Bearer ADMIN_TOKEN, compared in constant time (both sides hashed to equal length first).
 * Without a configured token the admin API is off: 503, never open.
 */
export function requireAdmin(adminToken: string | undefined) {
  const expected = adminToken ? digest(adminToken) : undefined;
  return createMiddleware(async (c, next) => {
    if (!expected) throw problems.adminDisabled();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw problems.unauthorized('Send Authorization: Bearer <ADMIN_TOKEN>.');
    if (!timingSafeEqual(digest(match[1]), expected)) throw problems.unauthorized('The bearer token is not valid.');
    await next();
  });
}
