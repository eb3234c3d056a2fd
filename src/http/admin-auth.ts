import { createHash, timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { type ProblemError, problems } from '../errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * A bearer token compared in constant time (both sides hashed to equal length first). Without
 * a configured token the routes are off (`disabled`), never open.
 */
function requireBearer(token: string | undefined, variable: string, disabled: () => ProblemError) {
  const expected = token ? digest(token) : undefined;
  return createMiddleware(async (c, next) => {
    if (!expected) throw disabled();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw problems.unauthorized(`Send Authorization: Bearer <${variable}>.`);
    if (!timingSafeEqual(digest(match[1]), expected)) throw problems.unauthorized('The bearer token is not valid.');
    await next();
  });
}

/** Bearer ADMIN_TOKEN for the admin API and webhook management. */
export const requireAdmin = (adminToken: string | undefined) => requireBearer(adminToken, 'ADMIN_TOKEN', problems.adminDisabled);

/**
 * Bearer METRICS_TOKEN for /metrics: its counters move with what subscribers do (an email sent
 * to a new address, none to a bounced one), so a public scrape would undo the uniform sign-up answer.
 */
export const requireMetricsToken = (metricsToken: string | undefined) =>
  requireBearer(metricsToken, 'METRICS_TOKEN', problems.metricsDisabled);
