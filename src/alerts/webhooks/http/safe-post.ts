import { REQUEST_TIMEOUT_MS, type WebhookConnections, type WebhookHttpClient, type WebhookOutcome } from './contract';
import { checkWebhookUrl } from './safe-url';

const USER_AGENT = 'tracker-alerts-webhooks/0.1';

export interface SafeWebhookPost {
  url: string;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS. */
  allowPrivateNetworks: boolean;
  /** WEBHOOK_ALLOWED_PORTS. */
  allowedPorts: readonly number[];
  /** Built only once the URL passed the check, just before sending (a signature carries the send time). */
  headers: () => Record<string, string>;
  body: string;
}

/**
 * One POST to a webhook URL: the URL is checked again (SSRF) and the request sent only to the
 * checked addresses (on Node); no redirects are followed; REQUEST_TIMEOUT_MS in all; only an
 * excerpt of the answer is kept. Never throws: failures are outcomes. Without `connections`,
 * connections are opened for this one request and closed after it.
 */
export async function safeWebhookPost(
  client: WebhookHttpClient,
  post: SafeWebhookPost,
  connections?: WebhookConnections,
): Promise<WebhookOutcome> {
  const started = performance.now();
  const failed = (error: string): WebhookOutcome => ({
    statusCode: null,
    latencyMs: Math.round(performance.now() - started),
    error,
    responseExcerpt: null,
    retryAfter: null,
  });
  const check = await checkWebhookUrl(post.url, {
    allowPrivateNetworks: post.allowPrivateNetworks,
    allowedPorts: post.allowedPorts,
    resolve: client.resolve,
  });
  if (!check.ok) return failed(`refused: ${check.reason}`);
  const opened = connections ?? client.openConnections();
  try {
    const response = await opened.post({
      url: check.url,
      addresses: check.addresses,
      headers: { ...post.headers(), 'user-agent': USER_AGENT },
      body: post.body,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    const redirected = response.statusCode >= 300 && response.statusCode < 400;
    return {
      statusCode: response.statusCode,
      latencyMs: Math.round(performance.now() - started),
      error: redirected ? 'redirects are not followed' : null,
      responseExcerpt: response.excerpt,
      retryAfter: response.retryAfter,
    };
  } catch (error) {
    return failed(describeFailure(error));
  } finally {
    if (!connections) await opened.close().catch(() => undefined);
  }
}

/** Why no answer came, in the delivery log's words (fetch wraps the network error as its cause; undici does not). */
function describeFailure(error: unknown): string {
  const failure = error as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  const code = failure?.code ?? failure?.cause?.code;
  const timedOut =
    failure?.name === 'TimeoutError' || failure?.name === 'AbortError' || (code?.startsWith('UND_ERR_') && code.endsWith('_TIMEOUT'));
  return timedOut ? `timed out after ${REQUEST_TIMEOUT_MS} ms` : `could not connect${code ? ` (${code})` : ''}`;
}
