import { listSentDigests, listSentInstantAlerts } from '../db/subscriber-export';
import type { SubscriberRow } from '../db/subscribers';
import type { Resources } from '../resources';
import { preferencesOf } from './preferences';

/**
 * Everything stored about one subscriber, as they may download it (issue 17): the address, the
 * choices, the key's fingerprint (never the key material of another person), the consent record
 * and the emails sent with their dates. Written out whole, so nothing stored is left unsaid.
 */
export async function subscriberExport(deps: Pick<Resources, 'db' | 'clock'>, subscriber: SubscriberRow) {
  const [digests, instants] = await Promise.all([listSentDigests(deps.db, subscriber.id), listSentInstantAlerts(deps.db, subscriber.id)]);
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    exportedAt: deps.clock.now().toISOString(),
    email: subscriber.email,
    status: subscriber.status,
    createdAt: iso(subscriber.created_at),
    updatedAt: iso(subscriber.updated_at),
    confirmedAt: iso(subscriber.confirmed_at),
    choices: preferencesOf(subscriber),
    instantAlertsLastSentAt: iso(subscriber.instant_sent_at),
    // One language for now (issue 17's languages are not built yet).
    language: 'en',
    consent: { source: subscriber.consent_source, at: iso(subscriber.consent_at) },
    openpgp: {
      fingerprint: subscriber.openpgp_fingerprint,
      confirmedAt: iso(subscriber.openpgp_confirmed_at),
      pendingFingerprint: subscriber.openpgp_pending_fingerprint,
      pendingSince: iso(subscriber.openpgp_pending_at),
    },
    digestsSent: digests.map((d) => ({
      period: d.period_key,
      dueAt: d.due_at.toISOString(),
      sentAt: iso(d.finished_at),
      reports: d.item_count ?? 0,
    })),
    instantAlertsSent: instants.map((a) => ({ sentAt: iso(a.sent_at) })),
  };
}

export type SubscriberExport = Awaited<ReturnType<typeof subscriberExport>>;
