// An undici Agent whose connections can only go to addresses that checkWebhookUrl approved:
// its DNS lookup answers from that list and never asks a resolver. The URL's host name still
// travels in the Host header and as the TLS server name, so certificates are checked as usual.
import { isIP, type LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

/** Node's fetch takes undici's `dispatcher` option, which the DOM RequestInit type does not declare. */
export type RequestInitWithDispatcher = RequestInit & { dispatcher: Dispatcher };

/** A net.connect `lookup` that answers only from the checked addresses; exported for tests. */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const pinned = addresses.map((address) => {
    const family = isIP(address);
    if (family === 0) throw new Error(`pinnedAgent needs checked IP addresses, got ${JSON.stringify(address)}`);
    return { address, family };
  });
  if (pinned.length === 0) throw new Error('pinnedAgent needs at least one checked address');

  return (_hostname, lookupOptions, callback) => {
    const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
    const candidates = family === 4 || family === 6 ? pinned.filter((entry) => entry.family === family) : pinned;
    const first = candidates[0];
    if (first === undefined) {
      const error: NodeJS.ErrnoException = new Error(`no checked IPv${family} address for this webhook`);
      error.code = 'ENOTFOUND';
      callback(error, '', 0);
    } else if (lookupOptions.all) {
      callback(null, candidates);
    } else {
      callback(null, first.address, first.family);
    }
  };
}

export function pinnedAgent(addresses: readonly string[], options: Omit<Agent.Options, 'connect'> = {}): Agent {
  return new Agent({ ...options, connect: { lookup: pinnedLookup(addresses) } });
}
