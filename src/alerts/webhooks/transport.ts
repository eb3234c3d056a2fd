import type { ResolveHost } from './ssrf';

/**
 * How webhook requests find and reach their hosts, chosen by the entry point: on Node the system
 * resolver and connections pinned to the checked addresses (pinned-transport.ts); on Workers
 * DNS over HTTPS and Cloudflare's own fetch (worker/webhook-transport.ts).
 */
export interface WebhookTransport {
  /** Every A and AAAA address of a host name, for the SSRF check. */
  resolve: ResolveHost;
  /** Connections for one dispatch pass (or one test ping); close them when it ends. */
  openConnections(): WebhookConnections;
}

export interface WebhookConnections {
  /** Extra fetch options that send a request only to these checked addresses. */
  fetchOptions(addresses: readonly string[]): Record<string, unknown>;
  close(): Promise<void>;
}
