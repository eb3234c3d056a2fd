import type { EndpointRow } from '../../db/webhook-endpoints';
import type { Deps } from '../../deps';
import { signingSecrets } from './secrets';
import { webhookHeaders } from './sign';
import { checkWebhookUrl } from './ssrf';
import type { WebhookConnections } from './transport';

export const REQUEST_TIMEOUT_MS = 10_000;
const EXCERPT_BYTES = 1024;

export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  retryAfter: string | null;
}

export type SendDeps = Pick<Deps, 'config' | 'appSecret' | 'clock' | 'webhookTransport'>;

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
  /** The endpoint's signing secrets already opened (a dispatch pass keeps them a few seconds). */
  secrets?: readonly string[],
): Promise<SendResult> {
  const started = performance.now();
  const result = (partial: Partial<SendResult>): SendResult => ({
    statusCode: null,
    error: null,
    responseExcerpt: null,
    retryAfter: null,
    ...partial,
    latencyMs: Math.round(performance.now() - started),
  });
  const check = await checkWebhookUrl(endpoint.url, { allowPrivateNetworks: deps.config.webhookAllowPrivateNetworks, resolve: deps.webhookTransport.resolve });
  if (!check.ok) return result({ error: `refused: ${check.reason}` });
  const opened = connections ?? deps.webhookTransport.openConnections();
  try {
    const signing = secrets ?? signingSecrets(deps.appSecret, endpoint.secrets, deps.clock.now());
    const headers = webhookHeaders({ secrets: signing, id: message.id, timestamp: deps.clock.now(), body: message.body });
    const init = {
      method: 'POST',
      headers: { ...headers, 'user-agent': 'tracker-alerts-webhooks/0.1' },
      body: message.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...opened.fetchOptions(check.addresses),
    };
    const response = await fetch(check.url, init as RequestInit);
    const excerpt = await readExcerpt(response);
    const redirected = response.status >= 300 && response.status < 400;
    return result({
      statusCode: response.status,
      responseExcerpt: excerpt,
      retryAfter: response.headers.get('retry-after'),
      error: redirected ? 'redirects are not followed' : null,
    });
  } catch (error) {
    const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
    const cause = (error as { cause?: { code?: string } })?.cause?.code;
    return result({ error: timedOut ? `timed out after ${REQUEST_TIMEOUT_MS} ms` : `could not connect${cause ? ` (${cause})` : ''}` });
  } finally {
    if (!connections) await opened.close().catch(() => undefined);
  }
}

async function readExcerpt(response: Response): Promise<string | null> {
  const reader = response.body?.getReader();
  if (!reader) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // An answer that breaks off still counts by its status code.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, EXCERPT_BYTES)) || null;
}
