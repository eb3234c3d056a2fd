import type { Context } from 'hono';
import { getRuntimeKey } from 'hono/adapter';
import { getConnInfo } from '@hono/node-server/conninfo';
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ProblemError } from '../errors';

export interface RateLimits {
  signupPerIp: RateLimiterAbstract;
  signupPerAddress: RateLimiterAbstract;
}

const rules = {
  signupPerIp: { points: 20, duration: 60 * 60 },
  signupPerAddress: { points: 5, duration: 60 * 60 },
} as const;

/**
 * Limits shared by every instance on PostgreSQL (rate-limiter-flexible's PostgreSQL store, in
 * the `rate_limits` table a migration creates); in memory on PGlite, which serves one process.
 */
export function createRateLimits(database: { kind: 'postgres' | 'pglite'; pool?: pg.Pool | undefined }): RateLimits {
  const make = (keyPrefix: keyof typeof rules): RateLimiterAbstract =>
    database.kind === 'postgres' && database.pool
      ? new RateLimiterPostgres({ storeClient: database.pool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, keyPrefix, ...rules[keyPrefix] })
      : new RateLimiterMemory({ keyPrefix, ...rules[keyPrefix] });
  return { signupPerIp: make('signupPerIp'), signupPerAddress: make('signupPerAddress') };
}

/** Takes one point; past the limit, a 429 problem with Retry-After. */
export async function consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (result) {
    if (!(result instanceof RateLimiterRes)) throw result;
    const seconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
    throw new ProblemError(
      { type: 'rate-limited', title: 'Too many requests', status: 429, detail: `Please try again in ${seconds} seconds.` },
      { 'Retry-After': String(seconds) },
    );
  }
}

/**
 * The client's address: on Workers, CF-Connecting-IP (Cloudflare sets it on every request and
 * overwrites a client's own); elsewhere X-Forwarded-For's first hop behind a trusted proxy, else
 * the socket peer.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (getRuntimeKey() === 'workerd') return c.req.header('cf-connecting-ip') ?? 'unknown';
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
