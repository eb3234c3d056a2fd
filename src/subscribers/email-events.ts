import { deleteSubscriber, findSubscriberByEmail, suppress } from '../db/subscribers';
import { hashEmail, normalizeEmail } from '../email/address';
import type { Resources } from '../resources';
import { z } from '../zod';

/** The part of Resend's webhook payloads this service acts on. */
export const resendEventSchema = z.object({
  type: z.string(),
  data: z
    .object({
      to: z.union([z.array(z.string()), z.string()]).optional(),
      bounce: z.object({ type: z.string().optional() }).partial().optional(),
    })
    .passthrough(),
});

export type ResendEvent = z.infer<typeof resendEventSchema>;

/** A hard bounce or a complaint: the address gets no email of any kind again. */
export function suppressionReason(event: ResendEvent): 'bounced' | 'complained' | undefined {
  if (event.type === 'email.complained') return 'complained';
  if (event.type === 'email.bounced' && (event.data.bounce?.type ?? 'Permanent') === 'Permanent') return 'bounced';
  return undefined;
}

/**
 * Handles one verified event once (Resend retries: `svix-id` is recorded in the same
 * transaction). Suppressed addresses lose their subscription, as on unsubscribe.
 */
export async function handleEmailEvent(
  deps: Resources,
  eventId: string,
  event: ResendEvent,
): Promise<'processed' | 'duplicate' | 'ignored'> {
  const reason = suppressionReason(event);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const fresh = await trx
      .insertInto('email_events')
      .values({ id: eventId, type: event.type, received_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!fresh) return 'duplicate';
    if (!reason) return 'ignored';
    const recipients = Array.isArray(event.data.to) ? event.data.to : event.data.to ? [event.data.to] : [];
    for (const recipient of recipients) {
      const email = normalizeEmail(recipient);
      await suppress(trx, { email_hash: hashEmail(email, deps.appSecret), reason, created_at: now });
      const subscriber = await findSubscriberByEmail(trx, email);
      if (subscriber) await deleteSubscriber(trx, subscriber.id);
      deps.log.warn({ subscriber: subscriber?.id, reason }, 'address suppressed after a provider event');
    }
    return 'processed';
  });
}
