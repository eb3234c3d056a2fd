// The webhook HTTP client contract, shared by both runtimes. The module, file by file:
//   contract.ts         what a request, a response and an outcome are; what a client provides
//   address-policy.ts   which resolved addresses a webhook may reach (the SSRF ranges)
//   safe-url.ts         checkWebhookUrl: scheme, credentials, DNS, every address judged
//   safe-post.ts        safeWebhookPost: the URL checked again, then one POST, as an outcome
//   node-client.ts      Node: system DNS, keep-alive undici agents pinned to the checked addresses
//   node-pinned-agent.ts, node-post.ts   the pinned agent and the undici dispatch behind it
//   workers-client.ts   Workers: DNS over HTTPS and Cloudflare's fetch (no undici in that bundle)

/** A webhook request gives up after this long in all (connecting, sending, the answer). */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Only this much of an answer's body is kept (for the delivery log); the rest is not read. */
export const EXCERPT_BYTES = 1024;

/** Every A and AAAA address of a host name. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

/**
 * How webhook requests find and reach their hosts, chosen by the entry point: nodeWebhookClient
 * (node-client.ts) or workersWebhookClient (workers-client.ts).
 */
export interface WebhookHttpClient {
  /** Every A and AAAA address of a host name, for the SSRF check. */
  resolve: ResolveHost;
  /** Connections for one dispatch pass (or one test ping); close them when it ends. */
  openConnections(): WebhookConnections;
}

/** One POST to a URL that passed the SSRF check. */
export interface WebhookRequest {
  url: URL;
  /** The addresses the SSRF check approved: on Node the connection goes only to these. */
  addresses: readonly string[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** What the endpoint answered. */
export interface WebhookResponse {
  statusCode: number;
  retryAfter: string | null;
  /** The first EXCERPT_BYTES of the body at most, as text; null when empty. */
  excerpt: string | null;
}

export interface WebhookConnections {
  /**
   * One POST; redirects are answered, never followed. Rejects when no answer came (could not
   * connect, or `timeoutMs` passed first: then the error's name is TimeoutError). An answer whose
   * body breaks off or runs past the timeout still resolves, with what was read of it.
   */
  post(request: WebhookRequest): Promise<WebhookResponse>;
  close(): Promise<void>;
}

/** What one delivery attempt came to, as the delivery log records it. */
export interface WebhookOutcome {
  /** null when no answer came (refused by the SSRF check, could not connect, timed out). */
  statusCode: number | null;
  latencyMs: number;
  /** Why the attempt failed short of an answer, or that a redirect was not followed; null otherwise. */
  error: string | null;
  responseExcerpt: string | null;
  retryAfter: string | null;
}

/** The error a client rejects with when `timeoutMs` passed before an answer. */
export function timeoutError(timeoutMs: number): Error {
  const error = new Error(`no answer within ${timeoutMs} ms`);
  error.name = 'TimeoutError';
  return error;
}
