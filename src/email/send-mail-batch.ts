import { type EmailMessage, type Mailer, PermanentEmailError, TransientEmailError } from './transport';

/**
 * What became of a batch handed to the mailer, as a queue acts on it:
 *  - accepted: done (also when the provider already holds the key from an earlier send of
 *    this batch, whose payload then went out);
 *  - retry-later: not sent this time; due again by the queue's schedule, never sooner than
 *    `retryAfterMs` when the provider said so;
 *  - refused: refused for good, the message at `failedIndex` alone when the provider named
 *    it (the others may go again), else the whole batch.
 */
export type MailBatchResult =
  | { kind: 'accepted' }
  | { kind: 'retry-later'; error: string; cause: unknown; retryAfterMs: number | undefined }
  | { kind: 'refused'; error: string; cause: PermanentEmailError; failedIndex: number | undefined };

/**
 * Hands a batch to the mailer under its idempotency key (the same key and messages on every
 * retry, so the provider sends nothing twice) and says what became of it.
 */
export async function sendMailBatch(mailer: Mailer, messages: EmailMessage[], idempotencyKey: string): Promise<MailBatchResult> {
  try {
    await mailer.sendBatch(messages, { idempotencyKey });
    return { kind: 'accepted' };
  } catch (error) {
    if (error instanceof PermanentEmailError && error.code === 'invalid_idempotent_request') return { kind: 'accepted' };
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof PermanentEmailError) return { kind: 'refused', error: text, cause: error, failedIndex: error.messageIndex };
    return {
      kind: 'retry-later',
      error: text,
      cause: error,
      retryAfterMs: error instanceof TransientEmailError ? error.retryAfterMs : undefined,
    };
  }
}
