import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher, interceptors } from 'undici';
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

/** An error answer's body is read and dropped (keeping the connection) up to this size, else the connection is cut. */
const ERROR_BODY_MAX_BYTES = 64 * 1024;

const header = (headers: IncomingHttpHeaders, name: string): string | null => {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
};

/**
 * Node's http(s) source reader: one undici dispatch per request on a keep-alive agent that follows
 * redirects, with fetchHttpSource's rules (one overall timeout, size cap, a retry after a reset
 * connection, strict UTF-8). CPU per request is what an unchanged crawl costs: fetch builds WHATWG
 * requests, headers and streams, and request() an async resource and a body stream per answer,
 * which a dispatch handler that gathers the bytes does without (see BENCHMARKS.md, Tracker crawl).
 */
export function nodeHttpSourceReader(
  dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 10_000 }).compose(interceptors.redirect({ maxRedirections: 5 })),
): HttpSourceReader {
  return async (url: string, previous: Validators, limits: FetchLimits): Promise<FetchedSource> => {
    const deadline = Date.now() + limits.timeoutMs;
    try {
      return await dispatchOnce(dispatcher, url, previous, limits, deadline);
    } catch (error) {
      if (!(error instanceof ConnectionError) || !isConnectionReset(error.cause) || Date.now() >= deadline) throw fetchError(error);
      return await dispatchOnce(dispatcher, url, previous, limits, deadline).catch((again: unknown) => Promise.reject(fetchError(again)));
    }
  };
}

/** The request never got an answer: a kept-alive connection the server had closed may be retried. */
class ConnectionError extends Error {}

function fetchError(error: unknown): Error {
  if (error instanceof ConnectionError) return new SourceFetchError(`could not connect (${causeOf(error)})`);
  return error as Error;
}

/** One GET through the dispatcher; settles when the answer has ended (or failed, or the deadline passed). */
function dispatchOnce(dispatcher: Dispatcher, url: string, previous: Validators, limits: FetchLimits, deadline: number) {
  const { origin, pathname, search } = new URL(url);
  return new Promise<FetchedSource>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let size = 0;
    const chunks: Buffer[] = [];
    const timedOut = new SourceFetchError(`timed out after ${limits.timeoutMs} ms`);
    // Not yet on a connection (queued): fail now; the request is aborted when it starts.
    const timer = setTimeout(() => (controller ? controller.abort(timedOut) : reject(timedOut)), Math.max(0, deadline - Date.now()));
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (error === timedOut || error instanceof SourceFetchError) reject(error);
      else if (status === 0) reject(new ConnectionError('no answer', { cause: error }));
      else reject(new SourceFetchError(`broke off (${causeOf({ cause: error })})`));
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (Date.now() >= deadline) c.abort(timedOut);
      },
      onResponseStart(c, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
        const declared = Number(header(headers, 'content-length') ?? Number.NaN);
        if (status >= 200 && status < 300 && declared > limits.maxBytes)
          c.abort(new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit (${declared} bytes)`));
      },
      onResponseData(c, chunk) {
        size += chunk.byteLength;
        if (status < 200 || status >= 300) {
          if (size > ERROR_BODY_MAX_BYTES) c.abort(new SourceStatusError(status, header(headers, 'retry-after')));
          return;
        }
        if (size > limits.maxBytes) c.abort(new SourceFetchError(`is larger than the ${limits.maxBytes} byte limit`));
        else chunks.push(chunk);
      },
      onResponseEnd() {
        clearTimeout(timer);
        if (status === 304) return resolve({ status: 'not_modified' });
        if (status < 200 || status >= 300) return reject(new SourceStatusError(status, header(headers, 'retry-after')));
        resolve({
          status: 'ok',
          body: sourceBody(chunks),
          contentType: header(headers, 'content-type') ?? undefined,
          validators: { etag: header(headers, 'etag'), lastModified: header(headers, 'last-modified') },
        });
      },
      onResponseError(_c, error) {
        fail(error);
      },
    };
    dispatcher.dispatch({ origin, path: pathname + search, method: 'GET', headers: sourceRequestHeaders(previous, limits) }, handler);
  });
}
