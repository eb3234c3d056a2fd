import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Clock } from '../clock';
import type { Log } from '../log';
import { buildEml } from './eml';
import type { EmailMetrics } from './metrics';
import { buildEncryptedEml } from './pgp-mime';
import {
  checkedSends,
  type EmailMessage,
  indexesBefore,
  keyUnusableError,
  type Mailer,
  PermanentEmailError,
  TransientEmailError,
} from './transport';

export interface SmtpMailerOptions {
  /**
   * `smtp://user:pass@host:587` or `smtps://...` (Resend's relay: `smtps://resend:<key>@smtp.resend.com:465`).
   * Nodemailer reads pool settings from its query: `?maxConnections=2` (default 5).
   */
  url: string;
  defaultFrom: string;
  clock: Clock;
  log?: Log;
  metrics?: EmailMetrics;
}

/** Keys whose messages were sent by this process, so a retried batch does not send them again. */
const REMEMBERED_KEYS = 1_000;

/**
 * Sends through an SMTP relay with nodemailer, as raw RFC 5322 bytes built here (the same builder
 * as the outbox; PGP/MIME for messages with `encryptTo`). SMTP has no idempotency keys: the
 * Message-ID derives from the key and the message's place, so a message sent again after a crash
 * carries the same id and mail clients show it once; within a process, a batch retried under its
 * key skips the messages already sent. Node only (TCP): the Workers bundle never imports it.
 *
 * Connections are pooled (nodemailer's pool): a new connection per message cost ~115 ms against
 * a few for a message on an open one. A batch still goes one message after another, so a refusal
 * leaves only the messages before it sent, and says so (`sentIndexes`) for the queues to record.
 * `close()` ends the pool's connections; the Node runtime calls it when it stops.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer & { close(): Promise<void> } {
  const transport = createTransport({ url: options.url, pool: true });
  const sentByKey = new Map<string, Set<number>>();

  const remember = (key: string) => {
    let sent = sentByKey.get(key);
    if (!sent) {
      if (sentByKey.size >= REMEMBERED_KEYS) sentByKey.delete(sentByKey.keys().next().value!);
      sent = new Set();
      sentByKey.set(key, sent);
    }
    return sent;
  };

  async function deliver(scope: 'single' | 'batch', idempotencyKey: string, messages: EmailMessage[]): Promise<string[]> {
    const keyHash = createHash('sha256').update(`${scope}\n${idempotencyKey}`).digest('hex').slice(0, 32);
    const sent = remember(keyHash);
    const date = options.clock.now();
    const ids: string[] = [];
    for (const [index, message] of messages.entries()) {
      const messageId = `<${keyHash}.${index}@smtp.tracker-alerts>`;
      ids.push(messageId);
      if (sent.has(index)) continue;
      const complete = { ...message, from: message.from ?? options.defaultFrom };
      let raw: Buffer;
      try {
        raw = complete.encryptTo
          ? await buildEncryptedEml({ ...complete, encryptTo: complete.encryptTo }, { messageId, date })
          : buildEml(complete, { messageId, date });
      } catch {
        // A key that cannot encrypt (expired or revoked since): refused for good, never sent in clear.
        options.metrics?.messages.inc({ transport: 'smtp', outcome: 'rejected' });
        throw keyUnusableError(index);
      }
      try {
        await transport.sendMail({ envelope: { from: complete.from, to: [complete.to] }, raw });
      } catch (error) {
        throw classify(error, index, messages.length);
      }
      sent.add(index);
      options.metrics?.messages.inc({ transport: 'smtp', outcome: 'sent' });
    }
    return ids;
  }

  function classify(error: unknown, index: number, count: number): Error {
    const code = (error as { responseCode?: number; code?: string }).responseCode;
    const text = error instanceof Error ? error.message : String(error);
    const permanent = typeof code === 'number' && code >= 500;
    options.metrics?.messages.inc({ transport: 'smtp', outcome: permanent ? 'rejected' : 'failed' }, count - index);
    // The relay's words may quote the address: only the code is logged.
    options.log?.warn(
      { transport: 'smtp', index, responseCode: code ?? null },
      permanent ? 'email refused by the relay' : 'email not sent',
    );
    if (permanent)
      return new PermanentEmailError(`smtp_${code}`, `the relay refused the message (${code})`, code, index, indexesBefore(index));
    if (error instanceof PermanentEmailError) return error;
    return new TransientEmailError((error as { code?: string }).code ?? 'smtp_error', text.slice(0, 200), code ?? null, 1);
  }

  return {
    kind: 'smtp',
    canEncrypt: true,
    ...checkedSends(deliver),
    async close() {
      transport.close();
    },
  };
}
