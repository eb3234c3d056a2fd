import type { KeyObject } from 'node:crypto';
import { leaseOwner } from '../../db/queue/lease-owner';
import { type ClaimedDelivery, claimDueDeliveries, hasClaimableDeliveries, releaseDeliveries } from '../../db/webhook-deliveries';
import { type EndpointRow, findEndpoint, updateEndpoint } from '../../db/webhook-endpoints';
import { acceptingWork } from '../../jobs/accepting-work';
import type { Resources } from '../../resources';
import { REQUEST_TIMEOUT_MS, type WebhookConnections } from './http/contract';
import { createOutcomeWriter, type OutcomeWriter } from './outcome-writer';
import { decideAfterAttempt, FAILING_ENDPOINT_DISABLE_MS } from './retry-policy';
import { signingSecrets } from './secrets';
import { sendToEndpoint } from './send';
import { signingKey } from './sign';
import { openSigningKeys } from './signing-keys';
import { createPassThrottles, type PassThrottles, THROTTLED_HELD_SECONDS } from './throttle';
import { createWakeLatch, type WakeLatch } from './wake-latch';

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

/**
 * The delivery loop: one dispatch pass, from the first claim until nothing is due and nothing
 * is held. It claims due deliveries ahead of their request slot (up to 64 per endpoint), starts
 * requests from what it holds (32 at once, 4 per endpoint, endpoints in turn), and claims again
 * when woken. Its counters live in one state object (`LoopState`), and the loop is always in
 * one of these modes:
 *
 * - CLAIMING
 * - WAITING
 * - EMPTY_HANDED
 * - CONTENDED
 * - DRAINING
 * - DONE
 *
 * ## CLAIMING mode
 *
 * Takes the pending wake-up (whatever notifies from here on asks for the next claim), claims as
 * many due deliveries as it may still hold (none when it holds its maximum), and fills free
 * request slots from what it holds. Then:
 *
 * - if the process stopped accepting work meanwhile: DRAINING;
 * - if it holds nothing and the claim was empty: EMPTY_HANDED;
 * - otherwise: WAITING.
 *
 * ## WAITING mode
 *
 * Deliveries are held or running. The loop sleeps on the wake latch, and returns to CLAIMING
 * when it is notified:
 *
 * - by a request that ended, once its endpoint has used 4 rounds of what it may hold (fewer,
 *   larger claims; 12 rounds still held cover the claim's round trip), or when no request runs;
 * - by held deliveries handed back to the queue (they are claimable again);
 * - by the pump: new deliveries were queued (fan-out, NOTIFY from another instance, the cron).
 *
 * Each ended request also gives its slot to the next held delivery at once, without waiting for
 * the loop. A held delivery whose lease would no longer outlive its request is handed back
 * unstarted instead (its attempt not counted).
 *
 * ## EMPTY_HANDED mode
 *
 * Nothing held, nothing claimed. In order:
 *
 * - a wake-up arrived meanwhile: CLAIMING;
 * - deliveries are being handed back: wait for that, then CLAIMING;
 * - due deliveries exist that another runner's locks hid: CONTENDED;
 * - otherwise DONE, closing the latch in the same step as the last check, so a later
 *   notification is refused and starts a new pass instead of being lost.
 *
 * ## CONTENDED mode
 *
 * Waits 20 ms, then CLAIMING. After 50 contended rounds in a row the loop no longer checks
 * (EMPTY_HANDED goes to DONE): the other runner will deliver those rows.
 *
 * ## DRAINING mode
 *
 * The process is shutting down: nothing is claimed and no held delivery is started (shutdown
 * hands them back). Every ended request wakes the loop; once no request runs: DONE.
 *
 * ## DONE mode
 *
 * The latch is closed and the pass returns its totals. The caller then waits for the outcome
 * writer and the hand-backs still running, and closes the connections.
 */

export type DispatchDeps = Pick<Resources, 'db' | 'clock' | 'log' | 'config' | 'appSecret' | 'metrics' | 'webhookHttp'> &
  Partial<Pick<Resources, 'instanceId' | 'isAcceptingWork'>>;

/**
 * Delivers everything due (see the modes above): up to 32 requests at once and 4 per endpoint,
 * with up to 64 per endpoint claimed ahead, so one slow endpoint holds only its own slots and
 * never the claiming for the others. Returns when nothing is due and nothing is held, and
 * closes `wake` then.
 */
export async function dispatchDue(
  deps: DispatchDeps,
  options: { random?: () => number; wake?: WakeLatch } = {},
): Promise<{ attempts: number; delivered: number }> {
  const owner = leaseOwner('dispatch', deps.instanceId);
  const pass: Pass = {
    owner,
    random: options.random ?? Math.random,
    connections: deps.webhookHttp.openConnections(),
    endpoints: new Map(),
    outcomes: createOutcomeWriter(deps, owner),
    wake: options.wake ?? createWakeLatch(),
    handingBack: new Set(),
  };
  try {
    return await deliveryLoop(deps, pass);
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
  /** The service's Ed25519 keys for `v1a`, read when an endpoint first needs them and again every 5 s. */
  asymmetricKeys?: { keys: Promise<KeyObject[]>; readAt: number };
  outcomes: OutcomeWriter;
  /** Notified when a request ends and when new deliveries are queued: time to claim again. */
  wake: WakeLatch;
  /** Held deliveries being handed back unstarted. */
  handingBack: Set<Promise<void>>;
}

/** A claimed delivery waiting for a request slot, and the last moment (ms) it may start. */
interface Held {
  delivery: ClaimedDelivery;
  startBy: number;
}

type Mode = 'CLAIMING' | 'WAITING' | 'EMPTY_HANDED' | 'CONTENDED' | 'DRAINING' | 'DONE';

/** The loop's state: its mode and what it holds and runs. */
interface LoopState {
  mode: Mode;
  /** Claimed, not started, by endpoint; the map's order is the endpoints' turn. */
  waiting: Map<string, Held[]>;
  /** Claimed and not finished (waiting or running), by endpoint and in all. */
  held: Record<string, number>;
  heldTotal: number;
  /** Requests running, by endpoint and in all. */
  running: Record<string, number>;
  runningTotal: number;
  /** Empty-handed rounds in a row that found due deliveries locked by another runner. */
  contended: number;
  /** When the last claim asked (the clock's time). */
  claimedAt: Date;
  totals: { attempts: number; delivered: number };
  leaseMs: number;
  /** How long after its claim a held delivery may still start. */
  startWithinMs: number;
  /** Send slots of throttled endpoints (their `rate_limit`), shared with other instances. */
  throttles: PassThrottles;
}

const HELD_MAX = ROUNDS_HELD * RUNNING;
const HELD_PER_ENDPOINT = ROUNDS_HELD * RUNNING_PER_ENDPOINT;
const CONTENDED_ROUNDS_MAX = 50;
const CONTENDED_WAIT_MS = 20;

async function deliveryLoop(deps: DispatchDeps, pass: Pass): Promise<{ attempts: number; delivered: number }> {
  const leaseMs = deps.config.webhooks.deliveryLeaseMs;
  const loop: LoopState = {
    mode: 'CLAIMING',
    waiting: new Map(),
    held: {},
    heldTotal: 0,
    running: {},
    runningTotal: 0,
    contended: 0,
    claimedAt: deps.clock.now(),
    totals: { attempts: 0, delivered: 0 },
    leaseMs,
    startWithinMs: (leaseMs - REQUEST_TIMEOUT_MS) * START_WITHIN_SLACK,
    throttles: createPassThrottles(deps, () => startWaiting(deps, pass, loop)),
  };
  try {
    return await runModes(deps, pass, loop);
  } finally {
    loop.throttles.close();
  }
}

async function runModes(deps: DispatchDeps, pass: Pass, loop: LoopState): Promise<{ attempts: number; delivered: number }> {
  for (;;) {
    switch (loop.mode) {
      case 'CLAIMING': {
        pass.wake.take(); // whatever notifies from here on asks for the next claim
        const claimed = await claimDue(deps, pass, loop);
        startWaiting(deps, pass, loop);
        if (!acceptingWork(deps)) loop.mode = 'DRAINING';
        else if (loop.heldTotal === 0 && claimed === 0) loop.mode = 'EMPTY_HANDED';
        else loop.mode = 'WAITING';
        break;
      }
      case 'WAITING':
        loop.contended = 0;
        await pass.wake.wait();
        loop.mode = 'CLAIMING';
        break;
      case 'EMPTY_HANDED':
        loop.mode = await afterEmptyClaim(deps, pass, loop);
        break;
      case 'CONTENDED':
        await new Promise((resolve) => setTimeout(resolve, CONTENDED_WAIT_MS));
        loop.mode = 'CLAIMING';
        break;
      case 'DRAINING':
        if (loop.runningTotal === 0) {
          pass.wake.close();
          loop.mode = 'DONE';
          break;
        }
        loop.contended = 0;
        await pass.wake.wait();
        pass.wake.take(); // every ended request notifies: look again
        break;
      case 'DONE':
        return loop.totals;
    }
  }
}

/** Claims as many due deliveries as the loop may still hold (none while draining) and holds them; answers how many. */
async function claimDue(deps: DispatchDeps, pass: Pass, loop: LoopState): Promise<number> {
  const free = acceptingWork(deps) ? HELD_MAX - loop.heldTotal : 0;
  const now = deps.clock.now();
  loop.claimedAt = now;
  if (free <= 0) return 0;
  const claimed = await claimDueDeliveries(deps.db, {
    owner: pass.owner,
    now,
    leaseUntil: new Date(now.getTime() + loop.leaseMs),
    limit: free,
    perEndpoint: HELD_PER_ENDPOINT,
    throttledHeldSeconds: THROTTLED_HELD_SECONDS,
    inFlight: loop.held,
  });
  const startBy = now.getTime() + loop.startWithinMs;
  for (const delivery of claimed) {
    loop.held[delivery.endpoint_id] = (loop.held[delivery.endpoint_id] ?? 0) + 1;
    loop.heldTotal += 1;
    const queue = loop.waiting.get(delivery.endpoint_id);
    if (queue) queue.push({ delivery, startBy });
    else loop.waiting.set(delivery.endpoint_id, [{ delivery, startBy }]);
  }
  return claimed.length;
}

/** EMPTY_HANDED: claim again, check again after a moment (CONTENDED), or finish (the latch closed in this same step). */
async function afterEmptyClaim(deps: DispatchDeps, pass: Pass, loop: LoopState): Promise<Mode> {
  if (pass.wake.take()) return 'CLAIMING';
  if (pass.handingBack.size > 0) {
    await Promise.all(pass.handingBack); // then claim what was handed back
    return 'CLAIMING';
  }
  // Empty-handed with nothing held: done, unless another runner's locks hid due rows.
  if (loop.contended++ < CONTENDED_ROUNDS_MAX && (await hasClaimableDeliveries(deps.db, loop.claimedAt))) return 'CONTENDED';
  if (pass.wake.take()) return 'CLAIMING';
  pass.wake.close(); // in the same step as the last check: a later notify starts a new pass
  return 'DONE';
}

/** Fills free request slots from the held deliveries, taking endpoints in turn (one moved to the back is visited again). */
function startWaiting(deps: DispatchDeps, pass: Pass, loop: LoopState): void {
  if (!acceptingWork(deps)) return; // draining: what is held but not started is handed back (lifecycle.ts)
  const nowMs = deps.clock.now().getTime();
  const stale: ClaimedDelivery[] = [];
  for (const [endpointId, queue] of loop.waiting) {
    if (loop.runningTotal >= RUNNING) break;
    if ((loop.running[endpointId] ?? 0) >= RUNNING_PER_ENDPOINT) continue;
    // Held too long behind a slow endpoint: its lease would no longer outlive the request.
    while (queue.length > 0 && queue[0]!.startBy < nowMs) stale.push(queue.shift()!.delivery);
    // A throttled endpoint waits for its next send slot, keeping its turn.
    const perSecond = queue[0]?.delivery.rate_limit;
    if (perSecond && !loop.throttles.take(endpointId, perSecond, queue.length)) continue;
    const next = queue.shift();
    if (next) startDelivery(deps, pass, loop, next.delivery);
    loop.waiting.delete(endpointId); // back of the line
    if (queue.length > 0) loop.waiting.set(endpointId, queue);
  }
  if (stale.length > 0) handBack(deps, pass, loop, stale);
}

function startDelivery(deps: DispatchDeps, pass: Pass, loop: LoopState, delivery: ClaimedDelivery): void {
  const endpointId = delivery.endpoint_id;
  loop.running[endpointId] = (loop.running[endpointId] ?? 0) + 1;
  loop.runningTotal += 1;
  void attempt(deps, pass, delivery)
    .then(
      (ok) => {
        loop.totals.attempts += 1;
        if (ok) loop.totals.delivered += 1;
      },
      (error) => deps.log.error({ err: error, delivery: delivery.id }, 'webhook attempt failed: sent again when its lease ends'),
    )
    .finally(() => {
      loop.running[endpointId]! -= 1;
      loop.runningTotal -= 1;
      letGo(loop, endpointId);
      startWaiting(deps, pass, loop);
      // Claim again once this endpoint has used 4 rounds of what it may hold. Draining, the
      // loop is told of every end: it returns when nothing runs.
      const lowOnHeld = loop.held[endpointId]! <= claimAgainAt(delivery.rate_limit);
      if (lowOnHeld || loop.runningTotal === 0 || !acceptingWork(deps)) pass.wake.notify();
    });
}

/** Held deliveries of an endpoint below which a finished request asks for a claim (a throttled one holds a few seconds' worth). */
function claimAgainAt(perSecond: number | null): number {
  const most = HELD_PER_ENDPOINT - CLAIM_AFTER_ROUNDS * RUNNING_PER_ENDPOINT;
  return perSecond ? Math.min(most, Math.floor((perSecond * THROTTLED_HELD_SECONDS) / 2)) : most;
}

/** A held delivery is no longer held (finished, or handed back). */
function letGo(loop: LoopState, endpointId: string): void {
  loop.held[endpointId]! -= 1;
  loop.heldTotal -= 1;
}

/** Returns held deliveries to the queue unstarted (their attempt not counted); the loop is woken to claim again. */
function handBack(deps: DispatchDeps, pass: Pass, loop: LoopState, stale: ClaimedDelivery[]): void {
  for (const delivery of stale) letGo(loop, delivery.endpoint_id);
  const released: Promise<void> = releaseDeliveries(
    deps.db,
    pass.owner,
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
      pass.wake.notify(); // claimable again
    });
  pass.handingBack.add(released);
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
  const asymmetricKeys = endpoint.signature_schemes.includes('v1a') ? await asymmetricKeysFor(deps, pass) : undefined;
  const sent = await sendToEndpoint(
    deps,
    endpoint,
    { id: delivery.id, body: delivery.payload },
    pass.connections,
    known.secrets,
    asymmetricKeys,
  );
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

/**
 * The live Ed25519 keys, read at most every 5 s by a pass (a rotation reaches deliveries within
 * that). When they cannot be read, none: a `v1a`-only delivery then fails its attempt with the
 * reason and is retried by its schedule.
 */
function asymmetricKeysFor(deps: DispatchDeps, pass: Pass): Promise<KeyObject[]> {
  const now = performance.now();
  if (!pass.asymmetricKeys || now - pass.asymmetricKeys.readAt >= ENDPOINT_FRESH_MS) {
    const keys = openSigningKeys(deps).catch((error: unknown) => {
      deps.log.error({ err: error }, 'webhook signing keys cannot be read: v1a signatures left out');
      return [];
    });
    pass.asymmetricKeys = { keys, readAt: now };
  }
  return pass.asymmetricKeys.keys;
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
