import { EXCERPT_BYTES, type WebhookAnswer, type WebhookPost } from './transport';

/**
 * A webhook POST with WHATWG fetch, for runtimes without undici (Workers): no redirects
 * followed, the whole request bounded by an abort signal, only an excerpt of the body read.
 */
export async function postWithFetch(request: WebhookPost): Promise<WebhookAnswer> {
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
