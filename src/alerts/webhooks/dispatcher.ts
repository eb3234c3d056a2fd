import { claimDueDeliveries, finishAttempt, hasClaimableDeliveries, type ClaimedDelivery } from '../../db/webhook-deliveries';
import { findEndpoint, updateEndpoint, type EndpointRow } from '../../db/webhook-endpoints';
import type { Deps } from '../../deps';
import { acceptingWork, leaseOwner } from '../../jobs/leases';
import { decideAfterAttempt, FAILING_ENDPOINT_DISABLE_MS } from './retry-policy';
import { REQUEST_TIMEOUT_MS, sendToEndpoint } from './send';
import type { WebhookConnections } from './transport';

/** A claim lasts well past the request timeout, so a slow request is never claimed twice (the default of WEBHOOK_DELIVERY_LEASE). */
export const DELIVERY_LEASE_MS = 6 * REQUEST_TIMEOUT_MS;
const IN_FLIGHT = 32;
const PER_ENDPOINT = 4;

export type DispatchDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'appSecret' | 'metrics' | 'webhookTransport'> &
  Partial<Pick<Deps, 'instanceId' | 'isAcceptingWork'>>;

/**
 * Delivers everything due, up to 32 requests at once and at most 4 per endpoint at a time:
 * a slot frees, the next due delivery is claimed, so a slow endpoint holds only its own slots.
 * Returns when nothing is due and nothing is in flight.
 */
export async function dispatchDue(deps: DispatchDeps, options: { random?: () => number } = {}): Promise<{ attempts: number; delivered: number }> {
  const owner = leaseOwner('dispatch', deps.instanceId);
  const pass: Pass = { owner, random: options.random ?? Math.random, connections: deps.webhookTransport.openConnections(), endpoints: new Map() };
  try {
    return await dispatchLoop(deps, pass);
  } finally {
    await pass.connections.close();
  }
}

/** What one dispatch pass shares between its deliveries: kept-alive connections and endpoint rows. */
interface Pass {
  owner: string;
  random: () => number;
  connections: WebhookConnections;
  endpoints: Map<string, Promise<EndpointRow | undefined>>;
}

async function dispatchLoop(deps: DispatchDeps, pass: Pass): Promise<{ attempts: number; delivered: number }> {
  const { owner } = pass;
  const inFlight = new Set<Promise<void>>();
  const perEndpoint: Record<string, number> = {};
  let attempts = 0;
  let delivered = 0;
  let contended = 0;
  for (;;) {
    // Draining for shutdown: finish what is in flight, claim nothing new.
    const free = acceptingWork(deps) ? IN_FLIGHT - inFlight.size : 0;
    const now = deps.clock.now();
    const claimed = free > 0
      ? await claimDueDeliveries(deps.db, { owner, now, leaseUntil: new Date(now.getTime() + deps.config.webhooks.deliveryLeaseMs), limit: free, perEndpoint: PER_ENDPOINT, inFlight: perEndpoint })
      : [];
    for (const delivery of claimed) {
      perEndpoint[delivery.endpoint_id] = (perEndpoint[delivery.endpoint_id] ?? 0) + 1;
      const task = attempt(deps, pass, delivery).then((ok) => {
        attempts += 1;
        if (ok) delivered += 1;
        perEndpoint[delivery.endpoint_id]! -= 1;
      });
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    if (inFlight.size === 0) {
      if (!acceptingWork(deps)) return { attempts, delivered };
      if (claimed.length > 0) continue;
      // Empty-handed with nothing in flight: done, unless another runner's locks hid due rows.
      if (contended++ < 50 && (await hasClaimableDeliveries(deps.db, now))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      return { attempts, delivered };
    }
    contended = 0;
    if (claimed.length === 0 || inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
}

async function attempt(deps: DispatchDeps, pass: Pass, delivery: ClaimedDelivery): Promise<boolean> {
  const { owner, random } = pass;
  if (!pass.endpoints.has(delivery.endpoint_id)) pass.endpoints.set(delivery.endpoint_id, findEndpoint(deps.db, delivery.endpoint_id));
  const endpoint = await pass.endpoints.get(delivery.endpoint_id)!;
  const attemptedAt = deps.clock.now();
  if (!endpoint?.enabled) {
    await finishAttempt(deps.db, { owner, attempt: { deliveryId: delivery.id, attemptedAt, statusCode: null, latencyMs: 0, error: 'endpoint disabled', responseExcerpt: null }, outcome: { kind: 'failed' } });
    return false;
  }
  const sent = await sendToEndpoint(deps, endpoint, { id: delivery.id, body: delivery.payload }, pass.connections);
  const outcome = decideAfterAttempt({ attempts: delivery.attempts, statusCode: sent.error && sent.statusCode !== null && sent.statusCode < 400 ? 0 : sent.statusCode, retryAfter: sent.retryAfter, now: attemptedAt, random, schedule: deps.config.webhooks.retryScheduleMs });
  await finishAttempt(deps.db, {
    owner,
    attempt: { deliveryId: delivery.id, attemptedAt, statusCode: sent.statusCode, latencyMs: sent.latencyMs, error: sent.error, responseExcerpt: sent.responseExcerpt },
    outcome: outcome.kind === 'failed' ? { kind: 'failed' } : outcome,
  });
  deps.metrics.webhookAttempts.inc({ outcome: outcome.kind, status: sent.statusCode === null ? 'none' : String(Math.floor(sent.statusCode / 100)) + 'xx' });
  const changed = await updateEndpointHealth(deps, endpoint.id, endpoint.failing_since, outcome.kind === 'delivered', outcome.kind === 'failed' ? outcome.disableEndpoint : undefined);
  if (changed) pass.endpoints.delete(endpoint.id); // read it again: it may be disabled now
  return outcome.kind === 'delivered';
}

/** Success clears the failing streak; 410 Gone, or failing for 5 days straight, disables the endpoint. */
async function updateEndpointHealth(deps: DispatchDeps, id: string, failingSince: Date | null, ok: boolean, gone: 'gone' | undefined): Promise<boolean> {
  const now = deps.clock.now();
  if (ok) {
    if (!failingSince) return false;
    await updateEndpoint(deps.db, id, { failing_since: null, updated_at: now });
    return true;
  }
  const since = failingSince ?? now;
  const reason = gone ? 'the endpoint answered 410 Gone' : now.getTime() - since.getTime() >= FAILING_ENDPOINT_DISABLE_MS ? 'every delivery failed for 5 days' : undefined;
  if (reason) {
    await updateEndpoint(deps.db, id, { enabled: false, disabled_reason: reason, failing_since: since, updated_at: now });
    deps.log.warn({ endpoint: id, reason }, 'webhook endpoint disabled');
    return true;
  }
  if (failingSince) return false;
  await updateEndpoint(deps.db, id, { failing_since: now, updated_at: now });
  return true;
}
