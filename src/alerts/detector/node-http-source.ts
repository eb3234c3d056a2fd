import { Agent, type Dispatcher, interceptors, request } from 'undici';
import {
  causeOf,
  type FetchedSource,
  type FetchLimits,
  type HttpSourceReader,
  isConnectionReset,
  SourceFetchError,
  SourceStatusError,
  sourceBody,
  sourceRequestHeaders,
  type Validators,
} from './fetch-source';

const header = (headers: Dispatcher.ResponseData['headers'], name: string): string | null => {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
};

/**
 * Node's http(s) source reader: undici's request API on one keep-alive agent that follows
 * redirects, with fetchHttpSource's rules (one overall timeout, size cap, a retry after a reset
 * connection, strict UTF-8). fetch builds WHATWG requests, headers and streams for every call:
 * a crawl of 173 unchanged pages cost 2.5x the CPU through it (97.7 ms against 38.9 ms).
 */
export function nodeHttpSourceReader(
  dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 10_000 }).compose(interceptors.redirect({ maxRedirections: 5 })),
): HttpSourceReader {
  return async (url: string, previous: Validators, limits: FetchLimits): Promise<FetchedSource> => {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    const timedOut = () => new SourceFetchError(`timed out after ${limits.timeoutMs} ms`);
    const send = () => request(url, { dispatcher, method: 'GET', headers: sourceRequestHeaders(previous, limits), signal });
    let response: Dispatcher.ResponseData;
    try {
      response = await send().catch((error: unknown) => (!signal.aborted && isConnectionReset(error) ? send() : Promise.reject(error)));
    } catch (error) {
      // undici's request rejects with the socket's error itself, fetch with it as the cause: name it the same way.
      throw signal.aborted ? timedOut() : new SourceFetchError(`could not connect (${causeOf({ cause: error })})`);
    }
    const { statusCode, headers, body } = response;
    if (statusCode === 304) {
      await body.dump();
      return { status: 'not_modified' };
    }
    if (statusCode < 200 || statusCode >= 300) {
      await body.dump();
      throw new SourceStatusError(statusCode, header(headers, 'retry-after'));
    }
    const declared = Number(header(headers, 'content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      // dump() listens for the abort it causes; a bare destroy() would leave it uncaught.
      await body.dump({ limit: 1 });
      throw new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit (${declared} bytes)`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        if (size > limits.maxBytes) {
          // Leaving the loop closes the body through its iterator.
          throw new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof SourceFetchError) throw error;
      throw signal.aborted ? timedOut() : new SourceFetchError(`broke off (${causeOf({ cause: error })})`);
    }
    return {
      status: 'ok',
      body: sourceBody(chunks),
      contentType: header(headers, 'content-type') ?? undefined,
      validators: { etag: header(headers, 'etag'), lastModified: header(headers, 'last-modified') },
    };
  };
}
