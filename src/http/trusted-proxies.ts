import ipaddr from 'ipaddr.js';

/**
 * Which proxies in front of the service may be believed about the client's address: none, a
 * number of hops (each proxy appends the address it saw to X-Forwarded-For), or the proxies'
 * address ranges.
 */
type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export type TrustedProxies = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'ranges'; ranges: Range[] };

/** TRUST_PROXY: unset or `0` trusts none; `1`-`10` that many hops; else comma-separated addresses or CIDR ranges. */
export function parseTrustedProxies(value: string): TrustedProxies | { error: string } {
  const text = value.trim().toLowerCase();
  if (text === '' || text === '0' || text === 'false') return { kind: 'none' };
  if (text === 'true') return { kind: 'hops', hops: 1 };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops <= 10 ? { kind: 'hops', hops } : { error: 'must be a number of proxy hops from 0 to 10, or proxy addresses/CIDR ranges' };
  }
  const ranges: Range[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    try {
      if (part.includes('/')) ranges.push(ipaddr.parseCIDR(part));
      else {
        const address = ipaddr.parse(part);
        ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      return { error: `"${part}" is not an IP address or CIDR range (expected a hop count like 1, or e.g. 10.0.0.0/8,::1)` };
    }
  }
  return { kind: 'ranges', ranges };
}

/** Whether an address (as written in a header) lies in one of the ranges. */
export function isWithin(address: string, ranges: Range[]): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return ranges.some(([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits));
}
