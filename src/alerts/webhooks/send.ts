import type { KeyObject } from 'node:crypto';
import type { EndpointRow } from '../../db/webhook-endpoints';
import type { Resources } from '../../resources';
import { signingSecrets } from './secrets';
import { webhookHeaders } from './sign';
import { checkWebhookUrl } from './ssrf';
import { REQUEST_TIMEOUT_MS, type WebhookConnections } from './transport';

const USER_AGENT = 'tracker-alerts-webhooks/0.1';

export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  retryAfter: string | null;
}

export type SendDeps = Pick<Resources, 'config' | 'appSecret' | 'clock' | 'webhookTransport'>;

/**
 * One signed POST of `body` to an endpoint: the URL is checked again (SSRF) and the request sent
 * only to the checked addresses (on Node; see transport.ts); no redirects are followed; 10 s
 * timeout; only a short excerpt of the answer is kept. Never throws: failures are results.
 */
export async function sendToEndpoint(
  deps: SendDeps,
  endpoint: EndpointRow,
  message: { id: string; body: string },
  connections?: WebhookConnections,
  /** The endpoint's signing secrets already opened, as text or prepared keys (a dispatch pass keeps them a few seconds). */
  secrets?: readonly (string | KeyObject)[],
): Promise<SendResult> {
  const started = performance.now();
  const failed = (error: string): SendResult => ({
    statusCode: null,
    latencyMs: Math.round(performance.now() - started),
    error,
    responseExcerpt: null,
    retryAfter: null,
  });
  const check = await checkWebhookUrl(endpoint.url, {
    allowPrivateNetworks: deps.config.webhookAllowPrivateNetworks,
    resolve: deps.webhookTransport.resolve,
  });
  if (!check.ok) return failed(`refused: ${check.reason}`);
  const opened = connections ?? deps.webhookTransport.openConnections();
  try {
    const now = deps.clock.now();
    const headers: Record<string, string> = webhookHeaders({
      secrets: secrets ?? signingSecrets(deps.appSecret, endpoint.secrets, now),
      id: message.id,
      timestamp: now,
      body: message.body,
    });
    headers['user-agent'] = USER_AGENT;
    const answer = await opened.post({
      url: check.url,
      addresses: check.addresses,
      headers,
      body: message.body,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    const redirected = answer.statusCode >= 300 && answer.statusCode < 400;
    return {
      statusCode: answer.statusCode,
      latencyMs: Math.round(performance.now() - started),
      error: redirected ? 'redirects are not followed' : null,
      responseExcerpt: answer.excerpt,
      retryAfter: answer.retryAfter,
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
