import type { Db } from '../db/database';
import { findActiveKeys } from '../db/subscriber-keys';
import type { EmailMessage, Mailer } from './transport';

/**
 * Every email to a subscriber with a confirmed OpenPGP key goes encrypted to it (issue 17):
 * digests, instant alerts and notices alike, whoever builds them. One query per send or batch
 * looks the recipients' keys up; a message that already names a key (the confirmation of a new
 * one) keeps it. A key that cannot encrypt any more makes the transport refuse that message:
 * it is never sent in clear instead.
 */
export function encryptingForSubscribers(mailer: Mailer, db: Db): Mailer {
  const withKeys = async (messages: EmailMessage[]): Promise<EmailMessage[]> => {
    const open = [...new Set(messages.filter((m) => m.encryptTo === undefined).map((m) => m.to))];
    const keys = await findActiveKeys(db, open);
    if (keys.size === 0) return messages;
    return messages.map((m) => (m.encryptTo === undefined && keys.has(m.to) ? { ...m, encryptTo: keys.get(m.to)! } : m));
  };
  return {
    ...mailer,
    kind: mailer.kind,
    async send(message, options) {
      const [sealed] = await withKeys([message]);
      return mailer.send(sealed!, options);
    },
    async sendBatch(messages, options) {
      return mailer.sendBatch(await withKeys(messages), options);
    },
    ...(mailer.pruneSentBefore ? { pruneSentBefore: mailer.pruneSentBefore.bind(mailer) } : {}),
  };
}
