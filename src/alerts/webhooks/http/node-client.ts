import type { Agent } from 'undici';
import { REQUEST_TIMEOUT_MS, type WebhookConnections, type WebhookHttpClient } from './contract';
import { pinnedAgent } from './node-pinned-agent';
import { postWithUndici } from './node-post';
import { resolveWithSystemDns } from './safe-url';

/** Node: the system resolver, and every request pinned to the addresses the SSRF check approved. */
export const nodeWebhookClient: WebhookHttpClient = {
  resolve: resolveWithSystemDns,
  openConnections: openPinnedConnections,
};

/**
 * Connections kept open across the deliveries of one dispatch pass, one keep-alive pinned agent
 * per set of checked addresses (the check still runs for every delivery). Close them when the
 * pass ends.
 */
export function openPinnedConnections(): WebhookConnections {
  const agents = new Map<string, Agent>();
  const agentFor = (addresses: readonly string[]) => {
    const key = addresses.length === 1 ? addresses[0]! : [...addresses].sort().join(',');
    let agent = agents.get(key);
    if (!agent) {
      agent = pinnedAgent(addresses, {
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
        connectTimeout: REQUEST_TIMEOUT_MS,
      });
      agents.set(key, agent);
    }
    return agent;
  };
  return {
    post: (request) => postWithUndici(agentFor(request.addresses), request),
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close().catch(() => undefined)));
      agents.clear();
    },
  };
}
