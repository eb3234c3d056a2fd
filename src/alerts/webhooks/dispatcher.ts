import { randomUUID } from 'node:crypto';
import { claimDueDeliveries, finishAttempt, type ClaimedDelivery } from '../../db/webhook-deliveries';
import { findEndpoint, updateEndpoint } from '../../db/webhook-endpoints';
import type { Deps } from '../../deps';
import { decideAfterAttempt, FAILING_ENDPOINT_DISABLE_MS } from './retry-policy';
import { REQUEST_TIMEOUT_MS, sendToEndpoint, type SendDeps } from './send';

/** A claim lasts well past the request timeout, so a slow request is never claimed twice. */
export const DELIVERY_LEASE_MS = 6 * REQUEST_TIMEOUT_MS;
const IN_FLIGHT = 32;
const PER_ENDPOINT = 4;

export type DispatchDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'appSecret' | 'metrics'> & Pick<SendDeps, 'resolveHost'>;

/**
 * Delivers everything due, up to 32 requests at once and at most 4 per endpoint at a time:
 * a slot frees, the next due delivery is claimed, so a slow endpoint holds only its own slots.
 * Returns when nothing is due and nothing is in flight.
 */
export async function dispatchDue(deps: DispatchDeps, options: { random?: () => number } = {}): Promise<{ attempts: number; delivered: number }> {
  const owner = `dispatch-${randomUUID()}`;
  const inFlight = new Set<Promise<void>>();
  let attempts = 0;
  let delivered = 0;
  for (;;) {
    const free = IN_FLIGHT - inFlight.size;
    const now = deps.clock.now();
    const claimed = free > 0 ? await claimDueDeliveries(deps.db, { owner, now, leaseUntil: new Date(now.getTime() + DELIVERY_LEASE_MS), limit: free, perEndpoint: PER_ENDPOINT }) : [];
    for (const delivery of claimed) {
      const task = attempt(deps, owner, delivery, options.random ?? Math.random).then((ok) => {
        attempts += 1;
        if (ok) delivered += 1;
      });
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    if (inFlight.size === 0) return { attempts, delivered };
    if (claimed.length === 0 || inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
}

async function attempt(deps: DispatchDeps, owner: string, delivery: ClaimedDelivery, random: () => number): Promise<boolean> {
  const endpoint = await findEndpoint(deps.db, delivery.endpoint_id);
  const attemptedAt = deps.clock.now();
  if (!endpoint?.enabled) {
    await finishAttempt(deps.db, { owner, attempt: { deliveryId: delivery.id, attemptedAt, statusCode: null, latencyMs: 0, error: 'endpoint disabled', responseExcerpt: null }, outcome: { kind: 'failed' } });
    return false;
  }
  const sent = await sendToEndpoint(deps, endpoint, { id: delivery.id, body: delivery.payload });
  const outcome = decideAfterAttempt({ attempts: delivery.attempts, statusCode: sent.error && sent.statusCode !== null && sent.statusCode < 400 ? 0 : sent.statusCode, retryAfter: sent.retryAfter, now: attemptedAt, random });
  await finishAttempt(deps.db, {
    owner,
    attempt: { deliveryId: delivery.id, attemptedAt, statusCode: sent.statusCode, latencyMs: sent.latencyMs, error: sent.error, responseExcerpt: sent.responseExcerpt },
    outcome: outcome.kind === 'failed' ? { kind: 'failed' } : outcome,
  });
  deps.metrics.webhookAttempts.inc({ outcome: outcome.kind, status: sent.statusCode === null ? 'none' : String(Math.floor(sent.statusCode / 100)) + 'xx' });
  await updateEndpointHealth(deps, endpoint.id, endpoint.failing_since, outcome.kind === 'delivered', outcome.kind === 'failed' ? outcome.disableEndpoint : undefined);
  return outcome.kind === 'delivered';
}

/** Success clears the failing streak; 410 Gone, or failing for 5 days straight, disables the endpoint. */
async function updateEndpointHealth(deps: DispatchDeps, id: string, failingSince: Date | null, ok: boolean, gone: 'gone' | undefined): Promise<void> {
  const now = deps.clock.now();
  if (ok) {
    if (failingSince) await updateEndpoint(deps.db, id, { failing_since: null, updated_at: now });
    return;
  }
  const since = failingSince ?? now;
  const reason = gone ? 'the endpoint answered 410 Gone' : now.getTime() - since.getTime() >= FAILING_ENDPOINT_DISABLE_MS ? 'every delivery failed for 5 days' : undefined;
  if (reason) {
    await updateEndpoint(deps.db, id, { enabled: false, disabled_reason: reason, failing_since: since, updated_at: now });
    deps.log.warn({ endpoint: id, reason }, 'webhook endpoint disabled');
  } else if (!failingSince) {
    await updateEndpoint(deps.db, id, { failing_since: now, updated_at: now });
  }
}
