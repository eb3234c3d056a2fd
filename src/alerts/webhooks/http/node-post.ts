import type { Dispatcher } from 'undici';
import { EXCERPT_BYTES, timeoutError, type WebhookRequest, type WebhookResponse } from './contract';

/**
 * A webhook POST through an undici dispatcher (the pinned agent, node-pinned-agent.ts), with undici's own handler API
 * rather than fetch: no WHATWG request, headers or stream objects per delivery. Redirects are
 * answered, not followed (no redirect handler is installed). One timer bounds the whole request.
 */
export function postWithUndici(dispatcher: Dispatcher, request: WebhookRequest): Promise<WebhookResponse> {
  return new Promise((resolve, reject) => {
    const { url } = request;
    const handler = new ResponseHandler(request.timeoutMs, resolve, reject);
    try {
      dispatcher.dispatch(
        { origin: url.origin, path: url.pathname + url.search, method: 'POST', headers: request.headers, body: request.body },
        handler,
      );
    } catch (error) {
      handler.onResponseError(undefined, error as Error);
    }
  });
}

/** Collects one answer: its status, Retry-After and the first EXCERPT_BYTES of the body; then stops reading. */
class ResponseHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private statusCode = 0;
  private retryAfter: string | null = null;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly resolve: (response: WebhookResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.timer = setTimeout(() => this.timeOut(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(timeoutError(this.timeoutMs)); // timed out while connecting
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.statusCode = statusCode;
    const retryAfter = headers['retry-after'];
    this.retryAfter = (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= EXCERPT_BYTES) {
      this.answer();
      controller.abort(new Error('excerpt read: the rest of the answer is not needed'));
    }
  }

  onResponseEnd(): void {
    this.answer();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    // An answer that breaks off (or runs past the timeout) after its status still counts by it.
    if (this.statusCode > 0) this.answer();
    else this.fail(error);
  }

  private timeOut(): void {
    if (this.statusCode > 0) this.answer();
    else this.fail(timeoutError(this.timeoutMs));
    this.controller?.abort(timeoutError(this.timeoutMs));
  }

  private answer(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const text = this.size === 0 ? '' : Buffer.concat(this.chunks, this.size).subarray(0, EXCERPT_BYTES).toString('utf8');
    this.resolve({ statusCode: this.statusCode, retryAfter: this.retryAfter, excerpt: text || null });
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(error);
  }
}
