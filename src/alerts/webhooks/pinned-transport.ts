import type { Agent } from 'undici';
import { pinnedDispatcher } from './pinned-dispatcher';
import { postThrough } from './pinned-post';
import { resolveWithSystemDns } from './ssrf';
import { REQUEST_TIMEOUT_MS, type WebhookConnections, type WebhookTransport } from './transport';

/** Node: the system resolver, and every request pinned to the addresses the SSRF check approved. */
export const pinnedTransport: WebhookTransport = {
  resolve: resolveWithSystemDns,
  openConnections: createConnectionCache,
};

/**
 * Connections kept open across the deliveries of one dispatch pass, one pinned agent per set of
 * checked addresses (the check still runs for every delivery). Close it when the pass ends.
 */
export function createConnectionCache(): WebhookConnections {
  const agents = new Map<string, Agent>();
  const agentFor = (addresses: readonly string[]) => {
    const key = addresses.length === 1 ? addresses[0]! : [...addresses].sort().join(',');
    let agent = agents.get(key);
    if (!agent) {
      agent = pinnedDispatcher(addresses, {
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
        connectTimeout: REQUEST_TIMEOUT_MS,
      });
      agents.set(key, agent);
    }
    return agent;
  };
  return {
    post: (request) => postThrough(agentFor(request.addresses), request),
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close().catch(() => undefined)));
      agents.clear();
    },
  };
}
