import { createHash } from 'node:crypto';

export class SourceFetchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceFetchError';
  }
}

/** A source answered an HTTP error status; `retryAfter` is its Retry-After header, if any. */
export class SourceStatusError extends SourceFetchError {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
  ) {
    super(`answered HTTP ${status}`);
    this.name = 'SourceStatusError';
  }
}

export interface Validators {
  etag?: string | null | undefined;
  lastModified?: string | null | undefined;
}

export type FetchedSource =
  | { status: 'not_modified' }
  | { status: 'ok'; body: SourceBody; contentType: string | undefined; validators: Validators };

/**
 * A fetched body: its sha256, taken over the chunks as they came, and its text, decoded only when
 * asked for. An unchanged body is known by its hash alone: joining, decoding and re-encoding 16 MiB
 * for the hash cost ~25 times the hash itself.
 */
export interface SourceBody {
  readonly sha256: string;
  /** Strict UTF-8; throws SourceFetchError when the bytes are not UTF-8. */
  text(): string;
}

export function sourceBody(chunks: readonly Uint8Array[]): SourceBody {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return { sha256: hash.digest('base64url'), text: () => decodeUtf8(Buffer.concat(chunks)) };
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
}

/** Reads a `file:` source (file-source.ts); the Node entry provides it, a Worker has no file system. */
export type FileSourceReader = (url: string, previous: Validators, limits: FetchLimits) => Promise<FetchedSource>;

/** Reads an http(s) source; Node passes one over undici's dispatch API (node-http-source.ts), else fetch. */
export type HttpSourceReader = (url: string, previous: Validators, limits: FetchLimits) => Promise<FetchedSource>;

/** The runtime's readers: `file:` sources (Node only) and a cheaper http(s) reader than fetch (Node). */
export interface SourceReaders {
  file?: FileSourceReader | undefined;
  http?: HttpSourceReader | undefined;
}

/**
 * Fetches one source: `http(s):` with a timeout, a size cap and a conditional request
 * (an unchanged source costs one 304), or `file:` through `readFile` when the runtime has files.
 */
export async function fetchSource(
  url: string,
  previous: Validators,
  limits: FetchLimits,
  readers: SourceReaders = {},
): Promise<FetchedSource> {
  if (!url.startsWith('file:')) return (readers.http ?? fetchHttpSource)(url, previous, limits);
  if (!readers.file) throw new SourceFetchError('is a file: URL, and this runtime has no file system');
  return readers.file(url, previous, limits);
}

/** The request headers of a conditional source fetch. */
export function sourceRequestHeaders(previous: Validators, limits: FetchLimits): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': limits.userAgent,
    accept: 'application/json, text/html;q=0.9, text/plain;q=0.8',
  };
  if (previous.etag) headers['if-none-match'] = previous.etag;
  if (previous.lastModified) headers['if-modified-since'] = previous.lastModified;
  return headers;
}

/** A kept-alive connection the server closed just then: a GET is safe to send once more. */
export const isConnectionReset = (error: unknown) => /ECONNRESET|UND_ERR_SOCKET|EPIPE/.test(causeOf(error));

async function fetchHttpSource(url: string, previous: Validators, limits: FetchLimits): Promise<FetchedSource> {
  const headers = sourceRequestHeaders(previous, limits);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    const reset = !signal.aborted && isConnectionReset(error);
    if (!reset)
      throw new SourceFetchError(signal.aborted ? `timed out after ${limits.timeoutMs} ms` : `could not connect (${causeOf(error)})`);
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
    throw new SourceStatusError(response.status, response.headers.get('retry-after'));
  }
  const body = await readCapped(response, limits, signal);
  return {
    status: 'ok',
    body,
    contentType: response.headers.get('content-type') ?? undefined,
    validators: { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') },
  };
}

async function readCapped(response: Response, limits: FetchLimits, signal: AbortSignal): Promise<SourceBody> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel();
    throw new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit (${declared} bytes)`);
  }
  const reader = response.body?.getReader();
  if (!reader) return sourceBody([]);
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
  return sourceBody(chunks);
}

/** A body that is not UTF-8 is refused rather than read with replacement characters. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SourceFetchError('is not valid UTF-8');
  }
}

export function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'unknown error';
}
