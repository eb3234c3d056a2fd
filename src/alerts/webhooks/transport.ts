import type { ResolveHost } from './ssrf';

/** A webhook request gives up after this long in all (connecting, sending, the answer). */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Only this much of an answer's body is kept (for the delivery log); the rest is not read. */
export const EXCERPT_BYTES = 1024;

/**
 * How webhook requests find and reach their hosts, chosen by the entry point: on Node the system
 * resolver and undici connections pinned to the checked addresses (pinned-transport.ts); on
 * Workers DNS over HTTPS and Cloudflare's own fetch (worker/webhook-transport.ts).
 */
export interface WebhookTransport {
  /** Every A and AAAA address of a host name, for the SSRF check. */
  resolve: ResolveHost;
  /** Connections for one dispatch pass (or one test ping); close them when it ends. */
  openConnections(): WebhookConnections;
}

export interface WebhookPost {
  url: URL;
  /** The addresses the SSRF check approved: on Node the connection goes only to these. */
  addresses: readonly string[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookAnswer {
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
  post(request: WebhookPost): Promise<WebhookAnswer>;
  close(): Promise<void>;
}

/** The error a transport rejects with when `timeoutMs` passed before an answer. */
export function timeoutError(timeoutMs: number): Error {
  const error = new Error(`no answer within ${timeoutMs} ms`);
  error.name = 'TimeoutError';
  return error;
}
