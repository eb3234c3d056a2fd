import { reserveSendSlots } from '../../db/webhook-throttles';
import type { Resources } from '../../resources';

/** Send slots are reserved at most this far ahead: a pass that ends early wastes at most a second of them. */
export const SLOT_HORIZON_MS = 1_000;
/** A pass claims ahead at most this many seconds of a throttled endpoint's deliveries. */
export const THROTTLED_HELD_SECONDS = 2;

/**
 * The per-endpoint throttle as one dispatch pass sees it. Slots come from the database
 * (db/webhook-throttles.ts), shared by every instance; each reserved slot becomes a timer, and
 * when it fires one delivery to that endpoint may start (within one slot interval, else the slot
 * is lost: slots never pile up into a burst).
 */
export interface PassThrottles {
  /**
   * May a delivery to this throttled endpoint start now? Uses up the slot if so. If not, makes
   * sure `onSlot` is called when a slot comes (reserving up to `waiting` more, at most a second's worth).
   */
  take(endpointId: string, perSecond: number, waiting: number): boolean;
  /** Drops the timers of slots not yet come (a pass that ends). */
  close(): void;
}

interface EndpointSlots {
  /** A slot has come and no delivery used it: until when (performance.now()) it may be. */
  readyUntil: number;
  /** Timers of reserved slots, or of the next reservation when none was free. */
  timers: Set<ReturnType<typeof setTimeout>>;
  reserving: boolean;
}

export function createPassThrottles(deps: Pick<Resources, 'db' | 'clock' | 'log'>, onSlot: () => void): PassThrottles {
  const endpoints = new Map<string, EndpointSlots>();
  let closed = false;

  const at = (slots: EndpointSlots, delayMs: number, fire: () => void) => {
    const timer = setTimeout(
      () => {
        slots.timers.delete(timer);
        if (closed) return;
        fire();
        onSlot();
      },
      Math.max(0, delayMs),
    );
    timer.unref?.();
    slots.timers.add(timer);
  };

  const reserve = (endpointId: string, slots: EndpointSlots, perSecond: number, waiting: number) => {
    slots.reserving = true;
    reserveSendSlots(deps.db, {
      endpointId,
      perSecond,
      want: Math.max(1, Math.min(waiting, perSecond)),
      now: deps.clock.now(),
      horizonMs: SLOT_HORIZON_MS,
    }).then(
      (grant) => {
        slots.reserving = false;
        if (closed) return;
        const nowMs = deps.clock.now().getTime();
        const fromMs = grant.from.getTime();
        // None free within the horizon: ask again once the next free slot is within it.
        if (grant.count === 0) at(slots, fromMs - SLOT_HORIZON_MS - nowMs + grant.intervalMs, () => undefined);
        for (let k = 0; k < grant.count; k++) {
          const delayMs = fromMs + k * grant.intervalMs - nowMs;
          // The slot's own time (already past for the first when the reservation took a while):
          // it is used within one interval of that time or lost, so neither a slow reservation
          // nor timers fired late by a busy event loop start two deliveries at once.
          const dueAt = performance.now() + delayMs;
          at(slots, delayMs, () => {
            const usableUntil = dueAt + grant.intervalMs;
            if (performance.now() < usableUntil) slots.readyUntil = usableUntil;
          });
        }
      },
      (error: unknown) => {
        slots.reserving = false;
        if (closed) return;
        deps.log.warn({ err: error, endpoint: endpointId }, 'webhook send slots not reserved: trying again in a second');
        at(slots, SLOT_HORIZON_MS, () => undefined);
      },
    );
  };

  return {
    take(endpointId, perSecond, waiting) {
      let slots = endpoints.get(endpointId);
      if (!slots) {
        slots = { readyUntil: Number.NEGATIVE_INFINITY, timers: new Set(), reserving: false };
        endpoints.set(endpointId, slots);
      }
      if (slots.readyUntil >= performance.now()) {
        slots.readyUntil = Number.NEGATIVE_INFINITY;
        return true;
      }
      if (!closed && !slots.reserving && slots.timers.size === 0) reserve(endpointId, slots, perSecond, waiting);
      return false;
    },
    close() {
      closed = true;
      for (const slots of endpoints.values()) for (const timer of slots.timers) clearTimeout(timer);
      endpoints.clear();
    },
  };
}
