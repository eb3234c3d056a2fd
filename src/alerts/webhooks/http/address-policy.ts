// Which resolved addresses a webhook may be delivered to. The ranges are written out as CIDRs
// (OWASP's webhook SSRF list) and matched with ipaddr.js, so there is no hand-written bit maths.
import ipaddr from 'ipaddr.js';

/** `isPublic`: a public unicast address, as opposed to a loopback or private one allowed in private mode. */
export type AddressVerdict = { allowed: true; address: string; isPublic: boolean } | { allowed: false; address: string; range: string };

interface Rule {
  range: string;
  cidrs: readonly string[];
  /** Allowed when WEBHOOK_ALLOW_PRIVATE_NETWORKS is on (development and tests). */
  allowedInPrivateMode: boolean;
}

// First match wins, so the exceptions come before the ranges that contain them.
const rules: readonly Rule[] = [
  // AWS's IPv6 instance metadata lives inside fc00::/7, which private mode otherwise allows.
  { range: 'cloud metadata', cidrs: ['fd00:ec2::254/128'], allowedInPrivateMode: false },
  { range: 'loopback', cidrs: ['127.0.0.0/8', '::1/128'], allowedInPrivateMode: true },
  { range: 'private network', cidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'], allowedInPrivateMode: true },
  { range: 'unspecified', cidrs: ['0.0.0.0/8', '::/128'], allowedInPrivateMode: false },
  // Never allowed, even in private mode: 169.254.169.254 is the cloud metadata service.
  { range: 'link-local (cloud metadata)', cidrs: ['169.254.0.0/16', 'fe80::/10'], allowedInPrivateMode: false },
  // Refused in private mode too: Alibaba Cloud's metadata service is 100.100.100.200.
  { range: 'carrier-grade NAT', cidrs: ['100.64.0.0/10'], allowedInPrivateMode: false },
  // Includes Oracle Cloud's metadata service, 192.0.0.192.
  { range: 'IETF protocol assignments', cidrs: ['192.0.0.0/24'], allowedInPrivateMode: false },
  { range: 'benchmarking', cidrs: ['198.18.0.0/15'], allowedInPrivateMode: false },
  { range: 'multicast', cidrs: ['224.0.0.0/4', 'ff00::/8'], allowedInPrivateMode: false },
  { range: 'broadcast', cidrs: ['255.255.255.255/32'], allowedInPrivateMode: false },
  { range: 'reserved', cidrs: ['240.0.0.0/4'], allowedInPrivateMode: false },
  // These IPv6 forms carry an IPv4 address inside, which may be an internal one.
  { range: 'NAT64 (embeds IPv4)', cidrs: ['64:ff9b::/96', '64:ff9b:1::/48'], allowedInPrivateMode: false },
  { range: 'IPv4-compatible IPv6 (embeds IPv4)', cidrs: ['::/96'], allowedInPrivateMode: false },
  { range: '6to4 or Teredo (embeds IPv4)', cidrs: ['2002::/16', '2001::/32'], allowedInPrivateMode: false },
  { range: 'documentation', cidrs: ['2001:db8::/32', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'], allowedInPrivateMode: false },
];

const parsedRules = rules.map((rule) => ({ ...rule, subnets: rule.cidrs.map((cidr) => ipaddr.parseCIDR(cidr)) }));

/** Parses any spelling ipaddr.js accepts and unwraps IPv4-mapped IPv6 (::ffff:a.b.c.d) to IPv4. */
export function canonicalAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(text);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

export function isIpAddressText(text: string): boolean {
  return ipaddr.isValid(text);
}

export function judgeAddress(text: string, { allowPrivateNetworks }: { allowPrivateNetworks: boolean }): AddressVerdict {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = canonicalAddress(text);
  } catch {
    return { allowed: false, address: text, range: 'not an IP address' };
  }
  const canonical = address.toString();
  for (const rule of parsedRules) {
    if (!rule.subnets.some((subnet) => address.kind() === subnet[0].kind() && address.match(subnet))) continue;
    return rule.allowedInPrivateMode && allowPrivateNetworks
      ? { allowed: true, address: canonical, isPublic: false }
      : { allowed: false, address: canonical, range: rule.range };
  }
  // Anything else ipaddr.js knows as special-purpose (AS112, AMT, ORCHID...) is no webhook target either.
  const range = address.range();
  return range === 'unicast' ? { allowed: true, address: canonical, isPublic: true } : { allowed: false, address: canonical, range };
}
