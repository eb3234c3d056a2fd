import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Log } from '../log';
import type { EmailMetrics } from './metrics';
import { createOutboxMailer } from './outbox';
import { createResendMailer } from './resend';
import { createSmtpMailer } from './smtp';
import { type Mailer, PermanentEmailError } from './transport';

/**
 * Resend when RESEND_API_KEY is set, otherwise the outbox folder under DATA_DIR. With SMTP_URL,
 * encrypted (PGP/MIME) messages go through that relay, since Resend's JSON API cannot carry
 * them; with SMTP_URL and no RESEND_API_KEY, every message does.
 */
export function createMailer(input: {
  config: Pick<Config, 'resend' | 'emailFrom' | 'dataDir'> & Partial<Pick<Config, 'smtpUrl'>>;
  clock: Clock;
  log?: Log;
  metrics?: EmailMetrics;
}): Mailer & { dir?: string } {
  const { config, clock, log, metrics } = input;
  const smtp = config.smtpUrl ? createSmtpMailer({ url: config.smtpUrl, defaultFrom: config.emailFrom, clock, log, metrics }) : undefined;
  if (config.resend) {
    const resend = createResendMailer({
      apiKey: config.resend.apiKey,
      baseUrl: config.resend.baseUrl,
      defaultFrom: config.emailFrom,
      clock,
      log,
      metrics,
    });
    return smtp ? encryptedThrough(smtp, resend) : resend;
  }
  return smtp ?? createOutboxMailer({ dataDir: config.dataDir, defaultFrom: config.emailFrom, clock, log, metrics });
}

/**
 * Encrypted messages through `encrypted`, the rest through `plain`, each part under the caller's
 * key (suffixed for the encrypted part). A batch is no longer all or nothing across the two; a
 * refusal names the refused message, and those that went out before it (the whole encrypted
 * part when the plain part is refused), by their indexes in the caller's batch.
 */
export function encryptedThrough(encrypted: Mailer, plain: Mailer): Mailer {
  const split = (messages: Parameters<Mailer['sendBatch']>[0]) => {
    const places = messages.map((message, index) => ({ message, index }));
    return { sealed: places.filter((p) => p.message.encryptTo), open: places.filter((p) => !p.message.encryptTo) };
  };
  const renumber = async <T>(places: { index: number }[], sentBefore: number[], send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      const at = (error as { messageIndex?: number }).messageIndex;
      if (at !== undefined && places[at]) Object.assign(error as object, { messageIndex: places[at].index });
      if (error instanceof PermanentEmailError) {
        const sent = error.sentIndexes.map((i) => places[i]!.index);
        Object.assign(error, { sentIndexes: [...sentBefore, ...sent] });
      }
      throw error;
    }
  };
  return {
    kind: plain.kind,
    canEncrypt: true,
    send: (message, options) => (message.encryptTo ? encrypted : plain).send(message, options),
    async sendBatch(messages, { idempotencyKey }) {
      const { sealed, open } = split(messages);
      const ids: string[] = new Array(messages.length);
      if (sealed.length > 0) {
        const sent = await renumber(sealed, [], () =>
          encrypted.sendBatch(
            sealed.map((p) => p.message),
            { idempotencyKey: `${idempotencyKey}:pgp`.slice(0, 256) },
          ),
        );
        sealed.forEach((p, i) => {
          ids[p.index] = sent.ids[i]!;
        });
      }
      if (open.length > 0) {
        const sent = await renumber(
          open,
          sealed.map((p) => p.index),
          () =>
            plain.sendBatch(
              open.map((p) => p.message),
              { idempotencyKey },
            ),
        );
        open.forEach((p, i) => {
          ids[p.index] = sent.ids[i]!;
        });
      }
      return { ids };
    },
    ...(plain.pruneSentBefore ? { pruneSentBefore: plain.pruneSentBefore.bind(plain) } : {}),
    async close() {
      await Promise.all([encrypted.close?.(), plain.close?.()]);
    },
  };
}
