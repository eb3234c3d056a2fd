import { type EmailMessage, type Mailer, PermanentEmailError, TransientEmailError } from './transport';

/**
 * What became of a batch handed to the mailer, as a queue acts on it:
 *  - accepted: done (also when the provider already holds the key from an earlier send of
 *    this batch, whose payload then went out);
 *  - retry-later: not sent this time; due again by the queue's schedule, never sooner than
 *    `retryAfterMs` when the provider said so;
 *  - refused: refused for good, the message at `failedIndex` alone when the provider named
 *    it, else the whole batch; the messages at `sentIndexes` went out before the refusal (a
 *    transport that sends one after another), and the others may go again.
 */
export type MailBatchResult =
  | { kind: 'accepted' }
  | { kind: 'retry-later'; error: string; cause: unknown; retryAfterMs: number | undefined }
  | { kind: 'refused'; error: string; cause: PermanentEmailError; failedIndex: number | undefined; sentIndexes: readonly number[] };

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
    if (error instanceof PermanentEmailError)
      return { kind: 'refused', error: text, cause: error, failedIndex: error.messageIndex, sentIndexes: error.sentIndexes };
    return {
      kind: 'retry-later',
      error: text,
      cause: error,
      retryAfterMs: error instanceof TransientEmailError ? error.retryAfterMs : undefined,
    };
  }
}

/**
 * A refused batch's rows (in the batch's order) by what became of their messages: sent before
 * the refusal, refused for good (the named message, else every one not sent), and the rest, to
 * go again in another batch.
 */
export function splitRefusedBatch<T>(rows: readonly T[], refused: Extract<MailBatchResult, { kind: 'refused' }>) {
  const sent = new Set(refused.sentIndexes);
  const failed = (index: number) => (refused.failedIndex === undefined ? !sent.has(index) : index === refused.failedIndex);
  return {
    sent: rows.filter((_, i) => sent.has(i)),
    failed: rows.filter((_, i) => failed(i)),
    again: rows.filter((_, i) => !sent.has(i) && !failed(i)),
  };
}
