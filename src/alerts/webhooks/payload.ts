import { randomBytes } from 'node:crypto';
import type { ChangeView, CountryChangeView } from '../../db/changes';
import type { StoredEventView } from '../../db/events';
import { countryView } from '../country-change-view';
import type { ChangeMessage, CountryChangeMessage, PingMessage } from './messages';

/** A delivery's webhook-id: random, and the same on every attempt of that delivery. */
export const newDeliveryId = (): string => `msg_${randomBytes(16).toString('base64url')}`;

/** The contract's body: the change, the event as it is now, and the old values of what changed. */
export function changeBody(change: ChangeView, event: StoredEventView, now: Date): string {
  const message: ChangeMessage = {
    type: change.type,
    timestamp: now.toISOString(),
    data: {
      change: { id: change.id, type: change.type, detectedAt: change.detectedAt },
      event,
      previous: change.previous ?? null,
    },
  };
  return JSON.stringify(message);
}

/** A country context change: the change, the country, and each changed field's old and new value. */
export function countryChangeBody(change: CountryChangeView, now: Date): string {
  const message: CountryChangeMessage = {
    type: change.type,
    timestamp: now.toISOString(),
    data: {
      change: { id: change.id, type: change.type, detectedAt: change.detectedAt },
      country: countryView(change),
      changed: change.changed,
    },
  };
  return JSON.stringify(message);
}

/** A test message an integrator can recognise and ignore. */
export function pingBody(endpointId: string, now: Date): string {
  const message: PingMessage = { type: 'ping', timestamp: now.toISOString(), data: { endpointId } };
  return JSON.stringify(message);
}
