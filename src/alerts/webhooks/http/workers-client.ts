import { promises as dns } from 'node:dns';
import { EXCERPT_BYTES, type WebhookHttpClient, type WebhookRequest, type WebhookResponse } from './contract';

/**
 * Workers: host names resolve over DNS over HTTPS (workerd's node:dns has resolve4/resolve6 but
 * not lookup), and requests go through Cloudflare's fetch, which cannot be pinned to addresses.
 * Deployed, that fetch leaves from Cloudflare's network to the public Internet: it cannot reach
 * the Worker's own loopback or a private network, so a DNS answer that changes after the check
 * (rebinding) cannot lead a delivery inside one. The SSRF check itself runs as on Node.
 */
export const workersWebhookClient: WebhookHttpClient = {
  async resolve(hostname) {
    const answers = await Promise.allSettled([dns.resolve4(hostname), dns.resolve6(hostname)]);
    const addresses = answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
    if (addresses.length === 0 && answers.every((answer) => answer.status === 'rejected')) {
      throw new Error(`${hostname} does not resolve`);
    }
    return addresses;
  },
  openConnections: () => ({ post: postWithFetch, close: async () => undefined }),
};

/**
 * A webhook POST with WHATWG fetch, for runtimes without undici (Workers): no redirects
 * followed, the whole request bounded by an abort signal, only an excerpt of the body read.
 */
export async function postWithFetch(request: WebhookRequest): Promise<WebhookResponse> {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  return { statusCode: response.status, retryAfter: response.headers.get('retry-after'), excerpt: await readExcerpt(response) };
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
  const bytes = new Uint8Array(Math.min(size, EXCERPT_BYTES));
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= bytes.length) break;
    bytes.set(chunk.subarray(0, bytes.length - offset), offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes) || null;
}
