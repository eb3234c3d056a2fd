import { latestChangeId, listChangesBetween, listCountryChangesBetween } from '../../db/changes';
import { loadEvents } from '../../db/events';
import { findSubscriberByEmail } from '../../db/subscribers';
import { normalizeEmail } from '../../email/address';
import type { Resources } from '../../resources';
import { renderDigestEmail } from '../../templates/digest-email';
import { buildDigest, PREVIEW_DIGEST_ID } from './build';
import { latestDuePeriod } from './period';
import { indexChangeWindow } from './window';

/**
 * The digest this address would get if its period were due now: everything after its cursor
 * that matches its choices. Writes nothing. Undefined for an unknown or unconfirmed address.
 */
export async function previewDigest(deps: Resources, email: string, asOf: Date) {
  const subscriber = await findSubscriberByEmail(deps.db, normalizeEmail(email));
  if (subscriber?.status !== 'confirmed') return undefined;
  const upTo = await latestChangeId(deps.db);
  const changes = await listChangesBetween(deps.db, subscriber.digest_cursor, upTo);
  const events = await loadEvents(deps.db, [...new Set(changes.map((c) => c.eventId))]);
  const period = latestDuePeriod(subscriber.frequency, subscriber.timezone, asOf);
  const built = buildDigest(
    deps,
    {
      ...subscriber,
      id: 0,
      digest_public_id: PREVIEW_DIGEST_ID,
      subscriber_id: subscriber.id,
      period_key: period.key,
      due_at: period.dueAt,
      digest_cursor: Number(subscriber.digest_cursor),
    },
    indexChangeWindow(upTo, changes, events, await listCountryChangesBetween(deps.db, subscriber.digest_cursor, upTo)),
  );
  if (built.kind === 'skip') return { skipped: true as const };
  return { skipped: false as const, itemCount: built.itemCount, ...renderDigestEmail(built.model) };
}
