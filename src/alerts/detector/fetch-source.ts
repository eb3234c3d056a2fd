import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export class SourceFetchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceFetchError';
  }
}

export interface Validators {
  etag?: string | null | undefined;
  lastModified?: string | null | undefined;
}

export type FetchedSource =
  | { status: 'not_modified' }
  | { status: 'ok'; body: string; contentType: string | undefined; validators: Validators };

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
}

/**
 * Fetches one source: `http(s):` with a timeout, a size cap and a conditional request
 * (an unchanged source costs one 304), or `file:` (its mtime and size stand in for an ETag).
 */
export async function fetchSource(url: string, previous: Validators, limits: FetchLimits): Promise<FetchedSource> {
  return url.startsWith('file:') ? readFileSource(url, previous, limits) : fetchHttpSource(url, previous, limits);
}

async function fetchHttpSource(url: string, previous: Validators, limits: FetchLimits): Promise<FetchedSource> {
  const headers: Record<string, string> = {
    'user-agent': limits.userAgent,
    accept: 'application/json, text/html;q=0.9, text/plain;q=0.8',
  };
  if (previous.etag) headers['if-none-match'] = previous.etag;
  if (previous.lastModified) headers['if-modified-since'] = previous.lastModified;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    // A kept-alive connection the server closed just then: a GET is safe to send once more.
    const reset = !signal.aborted && /ECONNRESET|UND_ERR_SOCKET|EPIPE/.test(causeOf(error));
    if (!reset) throw new SourceFetchError(signal.aborted ? `timed out after ${limits.timeoutMs} ms` : `could not connect (${causeOf(error)})`);
    try {
      response = await fetch(url, { headers, signal, redirect: 'follow' });
    } catch (retryError) {
      throw new SourceFetchError(signal.aborted ? `timed out after ${limits.timeoutMs} ms` : `could not connect (${causeOf(retryError)})`);
    }
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: 'not_modified' };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SourceFetchError(`answered HTTP ${response.status}`);
  }
  const body = await readCapped(response, limits, signal);
  return {
    status: 'ok',
    body,
    contentType: response.headers.get('content-type') ?? undefined,
    validators: { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') },
  };
}

async function readCapped(response: Response, limits: FetchLimits, signal: AbortSignal): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel();
    throw new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit (${declared} bytes)`);
  }
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limits.maxBytes) {
        await reader.cancel();
        throw new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof SourceFetchError) throw error;
    throw new SourceFetchError(signal.aborted ? `timed out after ${limits.timeoutMs} ms` : `broke off (${causeOf(error)})`);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

async function readFileSource(url: string, previous: Validators, limits: FetchLimits): Promise<FetchedSource> {
  const path = fileURLToPath(url);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new SourceFetchError(`cannot be read (${causeOf(error)})`);
  }
  if (info.size > limits.maxBytes) throw new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit (${info.size} bytes)`);
  const etag = `"${info.mtimeMs.toString(36)}-${info.size.toString(36)}"`;
  if (previous.etag === etag) return { status: 'not_modified' };
  const body = await readFile(path, 'utf8');
  const contentType = path.endsWith('.json') ? 'application/json' : path.endsWith('.html') ? 'text/html' : 'text/plain';
  return { status: 'ok', body, contentType, validators: { etag, lastModified: null } };
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'unknown error';
}
