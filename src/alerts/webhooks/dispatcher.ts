import type { KeyObject } from 'node:crypto';
import { leaseOwner } from '../../db/queue/lease-owner';
import { type ClaimedDelivery, claimDueDeliveries, hasClaimableDeliveries, releaseDeliveries } from '../../db/webhook-deliveries';
import { type EndpointRow, findEndpoint, updateEndpoint } from '../../db/webhook-endpoints';
import type { Deps } from '../../deps';
import { acceptingWork } from '../../jobs/accepting-work';
import { createOutcomeWriter, type OutcomeWriter } from './outcome-writer';
import { decideAfterAttempt, FAILING_ENDPOINT_DISABLE_MS } from './retry-policy';
import { signingSecrets } from './secrets';
import { sendToEndpoint } from './send';
import { signingKey } from './sign';
import { REQUEST_TIMEOUT_MS, type WebhookConnections } from './transport';
import { createWakeSignal, type WakeSignal } from './wake-signal';

/** A claim lasts well past the request timeout, so a slow request is never claimed twice (the default of WEBHOOK_DELIVERY_LEASE). */
export const DELIVERY_LEASE_MS = 6 * REQUEST_TIMEOUT_MS;
/** Requests at once: in all, and to any one endpoint. */
const RUNNING = 32;
const RUNNING_PER_ENDPOINT = 4;
/**
 * Rounds of requests claimed ahead of their slot (up to 64 deliveries per endpoint), so a freed
 * slot starts the next request at once and a claim round trip (10-20 ms on a busy database)
 * never leaves a fast endpoint's slots idle: at a few ms per request, 3 rounds held ran out
 * before the next claim came back. Holding many is safe because a held delivery is started only
 * while its lease still outlives the request (`START_WITHIN_SLACK`); one that waited too long
 * behind a slow endpoint is handed back to the queue instead.
 */
const ROUNDS_HELD = 16;
/** A finished request asks for a claim once its endpoint holds this many rounds less than it may. */
const CLAIM_AFTER_ROUNDS = 4;
/**
 * A held delivery starts only within this share of its lease's slack beyond the request timeout
 * (37.5 s of the default 60 s lease), so its request and the recording of its outcome both end
 * inside the lease: a delivery in flight is never claimed by another runner.
 */
const START_WITHIN_SLACK = 0.75;
/** A long pass reads an endpoint again after this long (disabled, new URL, rotated secret). */
const ENDPOINT_FRESH_MS = 5_000;

export type DispatchDeps = Pick<Deps, 'db' | 'clock' | 'log' | 'config' | 'appSecret' | 'metrics' | 'webhookTransport'> &
  Partial<Pick<Deps, 'instanceId' | 'isAcceptingWork'>>;

/**
 * Delivers everything due: up to 32 requests at once and 4 per endpoint, with up to 64 per
 * endpoint claimed ahead. Whenever a request ends (or `wake` is notified: new deliveries) it
 * claims again, and the ended request's slot goes to the next held delivery at once, so one
 * slow endpoint holds only its own slots and never the claiming for the others. Returns when
 * nothing is due and nothing is held, and closes `wake` then.
 */
export async function dispatchDue(
  deps: DispatchDeps,
  options: { random?: () => number; wake?: WakeSignal } = {},
): Promise<{ attempts: number; delivered: number }> {
  const owner = leaseOwner('dispatch', deps.instanceId);
  const pass: Pass = {
    owner,
    random: options.random ?? Math.random,
    connections: deps.webhookTransport.openConnections(),
    endpoints: new Map(),
    outcomes: createOutcomeWriter(deps, owner),
    wake: options.wake ?? createWakeSignal(),
    handingBack: new Set(),
  };
  try {
    return await dispatchLoop(deps, pass);
  } finally {
    pass.wake.close();
    await pass.outcomes.settled();
    await Promise.all(pass.handingBack);
    await pass.connections.close();
  }
}

/** What one dispatch pass shares between its deliveries. */
interface Pass {
  owner: string;
  random: () => number;
  connections: WebhookConnections;
  endpoints: Map<string, { endpoint: Promise<KnownEndpoint | undefined>; readAt: number }>;
  outcomes: OutcomeWriter;
  /** Notified when a request ends and when new deliveries are queued: time to claim again. */
  wake: WakeSignal;
  /** Held deliveries being handed back unstarted. */
  handingBack: Set<Promise<void>>;
}

/** A claimed delivery waiting for a request slot, and the last moment (ms) it may start. */
interface Held {
  delivery: ClaimedDelivery;
  startBy: number;
}

async function dispatchLoop(deps: DispatchDeps, pass: Pass): Promise<{ attempts: number; delivered: number }> {
  const { owner, wake } = pass;
  const waiting = new Map<string, Held[]>(); // claimed, not started, by endpoint
  const held: Record<string, number> = {}; // claimed and not finished, by endpoint
  const running: Record<string, number> = {};
  let heldTotal = 0;
  let runningTotal = 0;
  const totals = { attempts: 0, delivered: 0 };
  const leaseMs = deps.config.webhooks.deliveryLeaseMs;
  const heldMax = ROUNDS_HELD * RUNNING;
  const heldPerEndpoint = ROUNDS_HELD * RUNNING_PER_ENDPOINT;
  const startWithinMs = (leaseMs - REQUEST_TIMEOUT_MS) * START_WITHIN_SLACK;

  const start = (delivery: ClaimedDelivery) => {
    const endpointId = delivery.endpoint_id;
    running[endpointId] = (running[endpointId] ?? 0) + 1;
    runningTotal += 1;
    void attempt(deps, pass, delivery)
      .then(
        (ok) => {
          totals.attempts += 1;
          if (ok) totals.delivered += 1;
        },
        (error) => deps.log.error({ err: error, delivery: delivery.id }, 'webhook attempt failed: sent again when its lease ends'),
      )
      .finally(() => {
        running[endpointId]! -= 1;
        runningTotal -= 1;
        letGo(endpointId);
        startWaiting();
        // Claim again once this endpoint has used 4 rounds of what it may hold: fewer, larger claims,
        // with 12 rounds still held to cover the claim's round trip. Draining, the loop is told
        // of every end: it returns when nothing runs.
        const lowOnHeld = held[endpointId]! <= heldPerEndpoint - CLAIM_AFTER_ROUNDS * RUNNING_PER_ENDPOINT;
        if (lowOnHeld || runningTotal === 0 || !acceptingWork(deps)) wake.notify();
      });
  };
  const letGo = (endpointId: string) => {
    held[endpointId]! -= 1;
    heldTotal -= 1;
  };
  /** Fills free request slots from the held deliveries, taking endpoints in turn (one moved to the back is visited again). */
  const startWaiting = () => {
    if (!acceptingWork(deps)) return; // draining: what is held but not started is handed back (lifecycle.ts)
    const nowMs = deps.clock.now().getTime();
    const stale: ClaimedDelivery[] = [];
    for (const [endpointId, queue] of waiting) {
      if (runningTotal >= RUNNING) break;
      if ((running[endpointId] ?? 0) >= RUNNING_PER_ENDPOINT) continue;
      // Held too long behind a slow endpoint: its lease would no longer outlive the request.
      while (queue.length > 0 && queue[0]!.startBy < nowMs) stale.push(queue.shift()!.delivery);
      const next = queue.shift();
      if (next) start(next.delivery);
      waiting.delete(endpointId); // back of the line
      if (queue.length > 0) waiting.set(endpointId, queue);
    }
    if (stale.length > 0) handBack(stale);
  };
  const handBack = (stale: ClaimedDelivery[]) => {
    for (const delivery of stale) letGo(delivery.endpoint_id);
    const released: Promise<void> = releaseDeliveries(
      deps.db,
      owner,
      stale.map((d) => d.id),
    )
      .catch((error: unknown) =>
        deps.log.warn(
          { err: error, deliveries: stale.length },
          'held webhook deliveries not handed back: claimable again when their lease ends',
        ),
      )
      .finally(() => {
        pass.handingBack.delete(released);
        wake.notify(); // claimable again
      });
    pass.handingBack.add(released);
  };

  let contended = 0;
  for (;;) {
    wake.take(); // whatever notifies from here on asks for the next claim
    // Draining for shutdown: finish what is running, claim nothing new.
    const free = acceptingWork(deps) ? heldMax - heldTotal : 0;
    const now = deps.clock.now();
    const claimed =
      free > 0
        ? await claimDueDeliveries(deps.db, {
            owner,
            now,
            leaseUntil: new Date(now.getTime() + leaseMs),
            limit: free,
            perEndpoint: heldPerEndpoint,
            inFlight: held,
          })
        : [];
    const startBy = now.getTime() + startWithinMs;
    for (const delivery of claimed) {
      held[delivery.endpoint_id] = (held[delivery.endpoint_id] ?? 0) + 1;
      heldTotal += 1;
      const queue = waiting.get(delivery.endpoint_id);
      if (queue) queue.push({ delivery, startBy });
      else waiting.set(delivery.endpoint_id, [{ delivery, startBy }]);
    }
    startWaiting();
    if (!acceptingWork(deps) && runningTotal === 0) {
      wake.close();
      return totals;
    }
    if (heldTotal === 0 && claimed.length === 0) {
      if (wake.take()) continue;
      if (pass.handingBack.size > 0) {
        await Promise.all(pass.handingBack); // then claim what was handed back
        continue;
      }
      // Empty-handed with nothing held: done, unless another runner's locks hid due rows.
      if (contended++ < 50 && (await hasClaimableDeliveries(deps.db, now))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      if (wake.take()) continue;
      wake.close(); // in the same step as the last check: a later notify starts a new pass
      return totals;
    }
    contended = 0;
    await wake.wait();
  }
}

async function attempt(deps: DispatchDeps, pass: Pass, delivery: ClaimedDelivery): Promise<boolean> {
  const { random } = pass;
  const known = await endpointFor(deps, pass, delivery.endpoint_id);
  const endpoint = known?.row;
  const attemptedAt = deps.clock.now();
  if (!known || !endpoint?.enabled) {
    pass.outcomes.add({
      attempt: { deliveryId: delivery.id, attemptedAt, statusCode: null, latencyMs: 0, error: 'endpoint disabled', responseExcerpt: null },
      outcome: { kind: 'failed' },
    });
    return false;
  }
  const sent = await sendToEndpoint(deps, endpoint, { id: delivery.id, body: delivery.payload }, pass.connections, known.secrets);
  const outcome = decideAfterAttempt({
    attempts: delivery.attempts,
    statusCode: sent.error && sent.statusCode !== null && sent.statusCode < 400 ? 0 : sent.statusCode,
    retryAfter: sent.retryAfter,
    now: attemptedAt,
    random,
    schedule: deps.config.webhooks.retryScheduleMs,
  });
  pass.outcomes.add({
    attempt: {
      deliveryId: delivery.id,
      attemptedAt,
      statusCode: sent.statusCode,
      latencyMs: sent.latencyMs,
      error: sent.error,
      responseExcerpt: sent.responseExcerpt,
    },
    outcome: outcome.kind === 'failed' ? { kind: 'failed' } : outcome,
  });
  deps.metrics.webhookAttempts.inc({
    outcome: outcome.kind,
    status: sent.statusCode === null ? 'none' : `${String(Math.floor(sent.statusCode / 100))}xx`,
  });
  const changed = await updateEndpointHealth(
    deps,
    endpoint.id,
    endpoint.failing_since,
    outcome.kind === 'delivered',
    outcome.kind === 'failed' ? outcome.disableEndpoint : undefined,
  );
  if (changed) pass.endpoints.delete(endpoint.id); // read it again: it may be disabled now
  return outcome.kind === 'delivered';
}

/** An endpoint as a pass knows it: its row and its signing secrets, opened once. */
interface KnownEndpoint {
  row: EndpointRow;
  /** Prepared signing keys; undefined when they cannot be opened: sendToEndpoint then records why, as for any failed attempt. */
  secrets: KeyObject[] | undefined;
}

function openSecrets(deps: DispatchDeps, row: EndpointRow): KeyObject[] | undefined {
  try {
    return signingSecrets(deps.appSecret, row.secrets, deps.clock.now()).map(signingKey);
  } catch {
    return undefined;
  }
}

/**
 * The endpoint as last read in this pass. Once that read is 5 s old, it is read again while its
 * requests go on with the last read (they would otherwise all wait a database round trip); a
 * change of health drops it (`attempt`), so the next request waits for a fresh read.
 */
function endpointFor(deps: DispatchDeps, pass: Pass, id: string): Promise<KnownEndpoint | undefined> {
  const cached = pass.endpoints.get(id);
  const now = performance.now();
  if (cached && now - cached.readAt < ENDPOINT_FRESH_MS) return cached.endpoint;
  const read = findEndpoint(deps.db, id).then((row) => row && { row, secrets: openSecrets(deps, row) });
  if (!cached) {
    pass.endpoints.set(id, { endpoint: read, readAt: now });
    return read;
  }
  cached.readAt = now; // one read again at a time
  read.then(
    (fresh) => {
      if (pass.endpoints.get(id) === cached) pass.endpoints.set(id, { endpoint: Promise.resolve(fresh), readAt: now });
    },
    () => undefined, // keep the last read; the next 5 s tries again
  );
  return cached.endpoint;
}

/** Success clears the failing streak; 410 Gone, or failing for 5 days straight, disables the endpoint. */
async function updateEndpointHealth(
  deps: DispatchDeps,
  id: string,
  failingSince: Date | null,
  ok: boolean,
  gone: 'gone' | undefined,
): Promise<boolean> {
  const now = deps.clock.now();
  if (ok) {
    if (!failingSince) return false;
    await updateEndpoint(deps.db, id, { failing_since: null, updated_at: now });
    return true;
  }
  const since = failingSince ?? now;
  const reason = gone
    ? 'the endpoint answered 410 Gone'
    : now.getTime() - since.getTime() >= FAILING_ENDPOINT_DISABLE_MS
      ? 'every delivery failed for 5 days'
      : undefined;
  if (reason) {
    await updateEndpoint(deps.db, id, { enabled: false, disabled_reason: reason, failing_since: since, updated_at: now });
    deps.log.warn({ endpoint: id, reason }, 'webhook endpoint disabled');
    return true;
  }
  if (failingSince) return false;
  await updateEndpoint(deps.db, id, { failing_since: now, updated_at: now });
  return true;
}
