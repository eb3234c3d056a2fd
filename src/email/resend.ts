import { type CreateEmailOptions, Resend } from 'resend';
import type { Clock } from '../clock';
import type { Log } from '../log';
import { asciiJsonString } from './ascii-json';
import type { EmailMetrics } from './metrics';
import { classifyResendError, type ResendSdkError } from './resend-errors';
import { type AttemptOutcome, defaultRetryPolicy, type RetryPolicy, realSleep, withRetries } from './retry';
import {
  assertBatchSize,
  assertIdempotencyKey,
  assertSendable,
  type EmailMessage,
  type Mailer,
  PermanentEmailError,
  TransientEmailError,
} from './transport';

/** The SDK's own default; passed explicitly so the SDK never falls back to reading the environment. */
export const RESEND_DEFAULT_BASE_URL = 'https://api.resend.com';

export interface ResendMailerOptions {
  apiKey: string;
  /** Config's RESEND_BASE_URL (a local fake in tests); the public API when undefined. */
  baseUrl?: string | undefined;
  defaultFrom: string;
  clock: Clock;
  log?: Log;
  metrics?: EmailMetrics;
  retry?: Partial<RetryPolicy>;
  /** Each HTTP attempt is abandoned after this long and retried (same key, same payload). */
  attemptTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type SdkResult<T> =
  | { data: T; error: null; headers: Record<string, string> | null }
  | { data: null; error: ResendSdkError; headers: Record<string, string> | null };

export function createResendMailer(options: ResendMailerOptions): Mailer {
  const resend = new Resend(options.apiKey, {
    baseUrl: (options.baseUrl ?? RESEND_DEFAULT_BASE_URL).replace(/\/+$/, ''),
    userAgent: 'tracker-alerts',
  });
  const policy = { ...defaultRetryPolicy, ...options.retry };
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
  const hooks = { sleep: options.sleep ?? realSleep, random: options.random ?? Math.random };

  // Strings that are not ASCII travel as raw JSON literals with \u escapes (see ascii-json.ts):
  // the SDK passes them through to JSON.stringify, which writes them out unchanged.
  const toPayload = (message: EmailMessage): CreateEmailOptions =>
    ({
      from: asciiJsonString(message.from ?? options.defaultFrom),
      to: message.to,
      subject: asciiJsonString(message.subject),
      html: asciiJsonString(message.html),
      text: asciiJsonString(message.text),
      ...(message.headers && { headers: message.headers }),
      ...(message.tags && { tags: message.tags }),
    }) as unknown as CreateEmailOptions;

  /** One logical delivery: the same request, retried until it lands or cannot. */
  async function deliver<T, R>(
    count: number,
    idempotencyKey: string,
    request: (signal: AbortSignal) => Promise<SdkResult<T>>,
    readIds: (data: T) => R | undefined,
  ): Promise<R> {
    const attempt = async (): Promise<AttemptOutcome<R>> => {
      const signal = AbortSignal.timeout(attemptTimeoutMs);
      const response = await request(signal);
      if (response.error) {
        const failure = classifyResendError(response.error, response.headers, { now: options.clock.now(), timedOut: signal.aborted });
        options.metrics?.providerRequests.inc({ result: failure.result });
        return { ok: false, failure };
      }
      const ids = readIds(response.data);
      options.metrics?.providerRequests.inc({ result: ids ? 'ok' : 'server_error' });
      if (ids) return { ok: true, value: ids };
      return {
        ok: false,
        failure: { retry: 'now', code: 'invalid_response', status: null, message: 'the provider answered without email ids' },
      };
    };
    try {
      const ids = await withRetries(attempt, policy, {
        ...hooks,
        onRetry: ({ attempt: number, delayMs, failure }) =>
          options.log?.warn(
            {
              transport: 'resend',
              idempotencyKey,
              attempt: number,
              delayMs: Math.round(delayMs),
              code: failure.code,
              status: failure.status,
            },
            'email provider failed; retrying with the same idempotency key',
          ),
      });
      options.metrics?.messages.inc({ transport: 'resend', outcome: 'sent' }, count);
      return ids;
    } catch (error) {
      if (error instanceof PermanentEmailError || error instanceof TransientEmailError) {
        const permanent = error instanceof PermanentEmailError;
        options.metrics?.messages.inc({ transport: 'resend', outcome: permanent ? 'rejected' : 'failed' }, count);
        options.log?.warn(
          { transport: 'resend', idempotencyKey, count, code: error.code, status: error.status, err: { message: error.message } },
          permanent ? 'email refused by the provider' : 'email not sent; retry later with the same key',
        );
      }
      throw error;
    }
  }

  return {
    kind: 'resend',
    async send(message, { idempotencyKey }) {
      assertIdempotencyKey(idempotencyKey);
      assertSendable(message);
      refuseEncrypted(message);
      const payload = toPayload(message);
      return deliver(
        1,
        idempotencyKey,
        (signal) => resend.emails.send(payload, { idempotencyKey, signal }),
        (data) => (typeof data?.id === 'string' ? { id: data.id } : undefined),
      );
    },
    async sendBatch(messages, { idempotencyKey }) {
      assertIdempotencyKey(idempotencyKey);
      assertBatchSize(messages);
      for (const [index, message] of messages.entries()) {
        assertSendable(message, index);
        refuseEncrypted(message, index);
      }
      const payload = messages.map(toPayload);
      return deliver(
        messages.length,
        idempotencyKey,
        (signal) => resend.batch.send(payload, { idempotencyKey, signal, batchValidation: 'strict' }),
        (data) => {
          const ids = data?.data?.map((entry) => entry?.id);
          return ids?.length === messages.length && ids.every((id) => typeof id === 'string') ? { ids: ids as string[] } : undefined;
        },
      );
    },
  };
}

/** Resend's JSON API cannot carry multipart/encrypted: such a message is never sent in clear instead (set SMTP_URL). */
function refuseEncrypted(message: EmailMessage, index?: number): void {
  if (message.encryptTo !== undefined) {
    throw new PermanentEmailError('encryption_needs_smtp', 'an encrypted message needs the SMTP transport (SMTP_URL)', 422, index);
  }
}
