/**
 * Webhook load against the receivers of testkit/webhook-receivers.ts: endpoints for them, raw
 * unsigned POSTs (the rate to compare the dispatcher with), batches published at a pace, and
 * samplers of the requests held at the slow receiver and of the leased deliveries.
 */
import { performance as nodePerformance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { ingestEvents } from '../src/alerts/ingest';
import { changeBody } from '../src/alerts/webhooks/payload';
import { firstSecret } from '../src/alerts/webhooks/secrets';
import { type DatabaseHandle, openPostgres } from '../src/db/connect';
import type { NormalisedEvent } from '../src/db/event-fields';
import { migrateToLatest } from '../src/db/migrate';
import { insertEndpoint } from '../src/db/webhook-endpoints';
import type { Deps } from '../src/services';
import { taxonomySeed } from '../src/taxonomy/seed';
import { BENCH_APP_SECRET, createBenchDeps } from './bench-deps';
import { adminQueryAt } from './db-targets';
import { inTempDir } from './process';
import { type StatementShape, statementTimer } from './statement-timer';
import { mean, percentileOf } from './stats';
import type { Collected, WebhookReceivers } from './webhook-receivers';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across threads. */
export const wallMs = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Unsigned fetch POSTs (Node's global fetch, keep-alive) of `bodies[e]` to receiver e, `perEndpoint`
 * at a time each, for `ms`; the first `healthy` receivers count them.
 */
export async function rawPass(
  label: string,
  receivers: WebhookReceivers,
  bodies: readonly string[][],
  { perEndpoint, ms: passMs, healthy }: { perEndpoint: number; ms: number; healthy: number },
) {
  await receivers.collect();
  const deadline = wallMs() + passMs;
  let posts = 0;
  const t0 = wallMs();
  await Promise.all(
    bodies.flatMap((list, e) =>
      Array.from({ length: perEndpoint }, async (_, w) => {
        for (let i = w; wallMs() < deadline; i += perEndpoint) {
          const response = await fetch(receivers.urls[e]!, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-bench-raw': '1' },
            body: list[i % list.length]!,
          });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`raw POST answered ${response.status}`);
          posts++;
        }
      }),
    ),
  );
  const ms = wallMs() - t0;
  const got = await receivers.collect();
  const arrived = got.slice(0, healthy).reduce((a, r) => a + r.raw, 0);
  if (arrived !== posts) throw new Error(`raw pass: ${posts} POSTs answered but ${arrived} counted by the receivers`);
  const all = bodies.flat();
  return {
    label,
    posts,
    ms,
    rate: (posts / ms) * 1000,
    connections: got.slice(0, healthy).reduce((a, r) => a + r.connections, 0),
    bodies: all.length,
    bodyBytes: Math.round(all.reduce((a, b) => a + Buffer.byteLength(b), 0) / Math.max(1, all.length)),
  };
}

/** Bodies as `changeBody` builds them for these events (identical to the queued ones up to timestamps). */
export function syntheticBodies(batches: readonly NormalisedEvent[][], healthy: number): string[][] {
  const at = new Date();
  const out: string[][] = Array.from({ length: healthy }, () => []);
  let id = 0;
  for (const batch of batches.slice(0, 2)) {
    for (const event of batch) {
      id++;
      const body = changeBody(
        { id, type: 'event.published', eventId: event.id, previous: null, detectedAt: at.toISOString() },
        { ...event, firstSeenAt: at.toISOString(), lastChangedAt: at.toISOString() },
        at,
      );
      for (const list of out) list.push(body);
    }
  }
  return out;
}

export type RawResult = Awaited<ReturnType<typeof rawPass>>;

export interface BatchMark {
  fromId: number; // exclusive
  toId: number; // inclusive
  detectedAt: number;
  committedAt: number;
  ingestMs: number;
}

/** The endpoints: a fresh secret each, handed to the receiver that verifies with it; the last one is slow (disabled in phase C). */
export async function createEndpoints(
  main: Deps,
  receivers: WebhookReceivers,
  o: { count: number; slowEnabled: boolean; v1aHalf: boolean },
) {
  const secrets = Array.from({ length: o.count }, () => firstSecret(BENCH_APP_SECRET));
  await receivers.setSecrets(secrets.map((s) => s.secret));
  const ids = secrets.map((_, i) => `ep_bench_${i}${i === o.count - 1 ? '_slow' : ''}`);
  const created = new Date();
  for (const [i, s] of secrets.entries()) {
    await insertEndpoint(main.db, {
      id: ids[i]!,
      url: receivers.urls[i]!,
      description: null,
      types: [],
      countries: [],
      categories: [],
      enabled: o.slowEnabled || i < o.count - 1,
      // Every other healthy endpoint signs v1a (Ed25519) beside v1, which the receivers verify.
      signature_schemes: o.v1aHalf && i % 2 === 1 && i < o.count - 1 ? ['v1', 'v1a'] : ['v1'],
      secrets: JSON.stringify(s.secrets),
      created_at: created,
      updated_at: created,
    });
  }
  return { ids, slowId: ids.at(-1)! };
}

/** `take()` every `everyMs` until the returned stop() is called (and has waited for the last take). */
function sampling(everyMs: number, take: () => Promise<void>) {
  let on = true;
  const loop = (async () => {
    while (on) {
      await take();
      await sleep(everyMs);
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}

/** In-flight requests at the slow receiver (every 100 ms) and leased deliveries in the database (every 250 ms), until `stop()`. */
export async function startSamplers(receivers: WebhookReceivers, url: string, schema: string, slowId: string) {
  const pendingSamples: { slow: number }[] = [];
  const stopPending = sampling(100, async () => {
    pendingSamples.push({ slow: (await receivers.counts()).at(-1)!.pending });
  });
  // Leased (claimed, not finished) deliveries per kind of endpoint, from the database.
  const leaseSamples: { slow: number; healthy: number }[] = [];
  const leaseClient = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await leaseClient.connect();
  const stopLeases = sampling(250, async () => {
    const { rows } = await leaseClient.query<{ slow: number; healthy: number }>(
      `select count(*) filter (where endpoint_id = $1)::int as slow, count(*) filter (where endpoint_id <> $1)::int as healthy
       from webhook_deliveries where status = 'pending' and locked_until > now()`,
      [slowId],
    );
    leaseSamples.push(rows[0]!);
  });
  return {
    async stop() {
      await Promise.all([stopPending(), stopLeases()]);
      await leaseClient.end();
      return { pendingSamples, leaseSamples };
    },
  };
}

/** One batch of new events every `intervalMs` through ingestEvents (kicking the pump after each if `kick`); the commit times. */
export async function publishBatches(deps: Deps[], batches: readonly NormalisedEvent[][], intervalMs: number, kick: boolean) {
  const main = deps[0]!;
  const marks: BatchMark[] = [];
  let lastId = 0;
  const start = wallMs();
  for (const [index, batch] of batches.entries()) {
    const wait = start + index * intervalMs - wallMs();
    if (wait > 0) await sleep(wait);
    const before = wallMs();
    const result = await ingestEvents(main, batch);
    const committedAt = wallMs();
    if (kick) main.webhookPump.kick();
    if (result.changes !== batch.length) throw new Error(`batch ${index + 1}: ${result.changes} changes, expected ${batch.length}`);
    const { rows } = await sql<{ detected: Date }>`select detected_at as detected from changes where id = ${lastId + 1}`.execute(main.db);
    marks.push({
      fromId: lastId,
      toId: lastId + result.changes,
      detectedAt: rows[0]!.detected.getTime(),
      committedAt,
      ingestMs: committedAt - before,
    });
    lastId += result.changes;
  }
  const { rows: maxRows } = await sql<{ max: number }>`select max(id)::int as max from changes`.execute(main.db);
  if (maxRows[0]!.max !== lastId) throw new Error(`change ids are not contiguous: max ${maxRows[0]!.max}, counted ${lastId}`);

  return { marks, lastId };
}

/** A latency sample; `censored`: not delivered by the end of the window, so `ms` is a lower bound. */
export interface Sample {
  ms: number;
  censored: boolean;
}

/**
 * Latency per healthy (change, endpoint): receiver arrival minus batch commit (and minus detected_at),
 * censored at the window's end; and the busy time, the union of [commit, last healthy arrival (or window end)].
 */
export function deliveryLatencies(collected: Collected[], marks: readonly BatchMark[], lastId: number, windowEnd: number, healthy: number) {
  const batchOf = (changeId: number) => marks.findIndex((m) => changeId > m.fromId && changeId <= m.toId);
  const arrived = new Map<string, number>();
  for (const [e, r] of collected.slice(0, healthy).entries()) {
    for (const [i, changeId] of r.changeIds.entries()) {
      const k = `${e}:${changeId}`;
      if (!arrived.has(k)) arrived.set(k, r.at[i]!);
    }
  }
  const fromCommit: Sample[] = [];
  const fromDetected: Sample[] = [];
  const perBatchFirst: (number | undefined)[] = marks.map(() => undefined);
  const perBatchLast: (number | undefined)[] = marks.map(() => undefined);
  const batchDone = marks.map(() => true);
  for (let e = 0; e < healthy; e++) {
    for (let changeId = 1; changeId <= lastId; changeId++) {
      const b = batchOf(changeId);
      const m = marks[b]!;
      const at = arrived.get(`${e}:${changeId}`);
      if (at === undefined) {
        batchDone[b] = false;
        fromCommit.push({ ms: windowEnd - m.committedAt, censored: true });
        fromDetected.push({ ms: windowEnd - m.detectedAt, censored: true });
      } else {
        fromCommit.push({ ms: at - m.committedAt, censored: false });
        fromDetected.push({ ms: at - m.detectedAt, censored: false });
        perBatchFirst[b] = Math.min(perBatchFirst[b] ?? Infinity, at - m.committedAt);
        perBatchLast[b] = Math.max(perBatchLast[b] ?? -Infinity, at - m.committedAt);
      }
    }
  }
  const bySize = (a: Sample, b: Sample) => a.ms - b.ms;
  fromCommit.sort(bySize);
  fromDetected.sort(bySize);

  // Busy time: the union of [commit, last healthy arrival (or window end)] over the batches.
  const intervals = marks
    .map((m, b) => [m.committedAt, batchDone[b] ? m.committedAt + (perBatchLast[b] ?? 0) : windowEnd] as const)
    .sort((x, y) => x[0] - y[0]);
  let [busyMs, reach] = [0, Number.NEGATIVE_INFINITY];
  for (const [start, end] of intervals) {
    busyMs += Math.max(0, end - Math.max(start, reach)); // only the part past what earlier intervals covered
    reach = Math.max(reach, end);
  }

  return { arrived, fromCommit, fromDetected, perBatchFirst, perBatchLast, batchDone, busyMs };
}

const avg = (xs: number[]) => (xs.length ? mean(xs) : Number.NaN);

/** One phase of the webhooks bench on a fresh schema: publish the batches at the pacing, wait for the healthy deliveries (or the cap), stop, read back. */
export async function runWebhookPhase(
  key: 'A' | 'B' | 'C' | 'D',
  o: {
    url: string;
    receivers: WebhookReceivers;
    batches: readonly NormalisedEvent[][];
    intervalMs: number;
    endpoints: number;
    capMs: number;
  },
) {
  const { url, receivers, batches, intervalMs } = o;
  const [ENDPOINTS, HEALTHY, CHANGES] = [o.endpoints, o.endpoints - 1, batches.flat().length];
  const schema = `bench_webhooks_${process.pid}_${key.toLowerCase()}`;
  await adminQueryAt(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  const handles: DatabaseHandle[] = [openPostgres(url, { searchPath: schema })];
  if (key === 'B') handles.push(openPostgres(url, { searchPath: schema }));
  const db = handles[0]!.db;
  const counter = statementTimer(webhookLabel);
  try {
    return await inTempDir('bench-webhooks-', async (dataDir) => {
      await migrateToLatest(db, taxonomySeed);
      const deps = handles.map((h) =>
        createBenchDeps(
          { ...h, db: h.db.withPlugin(counter.plugin) },
          { WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1', DATA_DIR: dataDir, PUBLIC_BASE_URL: 'https://alerts.example.org' },
        ),
      );
      const { ids, slowId } = await createEndpoints(deps[0]!, receivers, {
        count: ENDPOINTS,
        slowEnabled: key !== 'C',
        v1aHalf: key === 'D',
      });
      await sql`select 1`.execute(deps[0]!.db);
      await receivers.collect();
      counter.totals.clear();
      if (key === 'B') await Promise.all(deps.map((d) => d.webhookPump.listen())); // each pump woken only by NOTIFY
      const samplers = await startSamplers(receivers, url, schema, slowId);
      const eluStart = nodePerformance.eventLoopUtilization();
      const { marks, lastId } = await publishBatches(deps, batches, intervalMs, key !== 'B');
      const healthyExpected = CHANGES * HEALTHY;
      for (;;) {
        const healthy = (await receivers.counts()).slice(0, HEALTHY).reduce((a, c) => a + c.signed, 0);
        if (healthy >= healthyExpected || wallMs() - marks.at(-1)!.committedAt > o.capMs) break;
        await sleep(100);
      }
      const windowEnd = wallMs();
      const elu = nodePerformance.eventLoopUtilization(eluStart).utilization;
      const { pendingSamples, leaseSamples } = await samplers.stop();
      const collected = await receivers.collect();
      const statements = new Map(counter.totals);
      // State at the end of the window, before the bench cancels anything.
      const { rows } = await sql<{ fanned: number; pending: number; troubled: number }>`
        select (select count(distinct change_id)::int from webhook_deliveries) as fanned,
          (select count(*)::int from webhook_deliveries where endpoint_id <> ${slowId} and status = 'pending') as pending,
          (select count(*)::int from webhook_deliveries where endpoint_id <> ${slowId}
            and (status = 'failed' or (status = 'pending' and attempts > 0 and locked_until is null))) as troubled`.execute(db);
      // Stop: no endpoint enabled (fan-out queues nothing more), everything pending failed, then wait for the dispatchers.
      const stopStart = wallMs();
      await db.updateTable('webhook_endpoints').set({ enabled: false }).execute();
      // Leased ones are left to their dispatcher; a running claim may lock rows in another order, so retry on deadlock.
      for (let attempt = 1; ; attempt++) {
        try {
          await sql`update webhook_deliveries set status = 'failed', last_error = 'bench: cancelled'
            where status = 'pending' and (locked_until is null or locked_until < now())`.execute(db);
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== '40P01' || attempt >= 5) throw error;
        }
      }
      await Promise.all(deps.map((d) => d.webhookPump.stopListening()));
      const idle = Promise.all(deps.map((d) => d.webhookPump.idle())).then(() => true);
      if (!(await Promise.race([idle, sleep(30_000).then(() => false)])))
        throw new Error('the dispatcher did not stop within 30 s of the bench cancelling every pending delivery');
      const stopMs = wallMs() - stopStart;
      await receivers.collect();
      // Bodies for the following raw pass: exactly what was queued for the healthy endpoints.
      const { rows: queued } = await sql<{ endpoint_id: string; payload: string }>`
        select d.endpoint_id, coalesce(d.payload, p.body) as payload from webhook_deliveries as d
        left join webhook_payloads as p on p.change_id = d.change_id where d.endpoint_id <> ${slowId} order by d.change_id`.execute(db);
      const l = deliveryLatencies(collected, marks, lastId, windowEnd, HEALTHY);
      const delivered = l.arrived.size;
      const slowDelivered = collected[ENDPOINTS - 1]!.at.length;
      const sum = (f: (r: (typeof collected)[number]) => number) => collected.reduce((a, r) => a + f(r), 0);
      return {
        key,
        windowMs: windowEnd - marks[0]!.committedAt,
        marks,
        delivered,
        rate: (delivered / l.busyMs) * 1000,
        commit: { p50: percentileOf<Sample>(l.fromCommit, 50), p99: percentileOf<Sample>(l.fromCommit, 99) },
        detected: { p50: percentileOf<Sample>(l.fromDetected, 50), p99: percentileOf<Sample>(l.fromDetected, 99) },
        perBatchFirst: l.perBatchFirst,
        perBatchLast: marks.map((_, b) => (l.batchDone[b] ? l.perBatchLast[b] : undefined)),
        slowDelivered,
        slowPendingAvg: avg(pendingSamples.map((s) => s.slow)),
        slowPendingMax: Math.max(0, ...pendingSamples.map((s) => s.slow)),
        ...rows[0]!,
        duplicates: sum((r) => r.dup),
        verified: sum((r) => r.verified),
        unverified: sum((r) => r.unverified),
        connections: sum((r) => r.connections),
        requests: sum((r) => r.requests),
        /** label, statements per attempt, mean ms per statement (pool wait included) */
        perAttempt: [...statements]
          .sort((a, b) => b[1].count - a[1].count)
          .map(([k, v]) => [k, v.count / Math.max(1, delivered + slowDelivered), v.ms / v.count] as const),
        leasedSlowAvg: avg(leaseSamples.map((s) => s.slow)),
        leasedHealthyAvg: avg(leaseSamples.map((s) => s.healthy)),
        /** Event-loop utilisation of the bench's main thread (ingest, fan-out, dispatchers) over the window. */
        elu,
        stopMs,
        bodies: ids.slice(0, HEALTHY).map((id) => queued.filter((q) => q.endpoint_id === id).map((q) => q.payload)),
      };
    });
  } finally {
    for (const h of handles) await h.close();
    await adminQueryAt(url, `drop schema if exists ${schema} cascade`);
  }
}

/** Statements by kind and table, pool wait included (BEGIN/COMMIT are not seen by Kysely plugins). */
const webhookLabel = ({ kind, table, text }: StatementShape): string => {
  if (kind === 'SelectQueryNode') return `select ${table ?? '?'}`;
  if (kind === 'InsertQueryNode') return `insert ${table ?? '?'}`;
  if (kind === 'UpdateQueryNode') return `update ${table ?? '?'}`;
  if (kind !== 'RawNode') return kind;
  // The queue module's claim (src/db/queue/claim-jobs.ts): only the delivery claim runs here.
  if (text.includes('with room') || text.includes('update $ as job set attempts')) return 'claim (one statement, FOR UPDATE SKIP LOCKED)';
  if (text.includes('with outcome')) return 'record outcomes (one statement per flush)';
  return `raw ${text.slice(0, 40)}`;
};
