import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { getRuntimeKey } from 'hono/adapter';
import ipaddr from 'ipaddr.js';
import { isWithin, type TrustedProxies } from './trusted-proxies';

/**
 * The client's address: on Workers, CF-Connecting-IP (Cloudflare sets it on every request and
 * overwrites a client's own). Elsewhere the socket peer, or, behind trusted proxies, the right-most
 * address of X-Forwarded-For that no trusted proxy wrote: the left-most values are whatever the
 * client sent, since a proxy appends to the header rather than replacing it.
 */
export function clientAddress(c: Context, trusted: TrustedProxies): string {
  if (getRuntimeKey() === 'workerd') return c.req.header('cf-connecting-ip') ?? 'unknown';
  const peer = socketPeer(c);
  if (trusted.kind === 'none') return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  if (trusted.kind === 'hops') return chain[Math.max(0, chain.length - 1 - trusted.hops)]!;
  for (let i = chain.length - 1; i > 0; i--) {
    if (!isWithin(chain[i]!, trusted.ranges)) return chain[i]!;
  }
  return chain[0]!;
}

function socketPeer(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The key a client is counted under: an IPv6 client by its /64, the block one subscriber line
 * gets, so rotating through it does not reset the limit; IPv4 (and IPv4-mapped IPv6) as it is.
 */
export function clientRateLimitKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${ipaddr.IPv6.parse(`${parts.map((p) => p.toString(16)).join(':')}::`).toString()}/64`;
}
