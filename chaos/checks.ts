import { latestDuePeriod } from '../src/alerts/digest/period';
import { canonicalJson } from '../src/alerts/event';
import type { Db, Frequency } from '../src/db/database';
import type { FakeResend } from '../testkit/fake-resend';
import type { Received } from '../testkit/webhook-receiver';
import { revisionOf } from './feed';

export interface SeededSubscriber {
  email: string;
  frequency: Frequency;
  timezone: string;
}

export interface EndpointUnderTest {
  name: string;
  id: string;
  types: string[];
  countries: string[];
  received: readonly Received[];
}

/**
 * What the run must show, each as a list of problems (empty when it holds):
 * - every change reached every matching endpoint at least once, under one webhook-id per
 *   (change, endpoint);
 * - no event version was detected twice, and the stored events end at the feed's last revisions;
 * - every confirmed subscriber got exactly one digest email for the period (counted at the fake
 *   Resend, which, like Resend, delivers a repeated key with the same payload only once).
 */
export async function checkOutcome(input: {
  db: Db;
  resend: FakeResend;
  endpoints: readonly EndpointUnderTest[];
  subscribers: readonly SeededSubscriber[];
  feedRevisions: ReadonlyMap<string, number>;
  startedAt: Date;
  endedAt: Date;
}) {
  const changes = await checkChanges(input.db, input.feedRevisions);
  const webhooks = await checkWebhooks(input.db, input.endpoints);
  const digests = await checkDigests(input.db, input.resend, input.subscribers, input.startedAt, input.endedAt);
  return { changes, webhooks, digests, problems: [...changes.problems, ...webhooks.problems, ...digests.problems] };
}

async function checkChanges(db: Db, feedRevisions: ReadonlyMap<string, number>) {
  const problems: string[] = [];
  const rows = await db.selectFrom('changes').select(['id', 'type', 'event_id', 'previous']).orderBy('id').execute();
  const byType: Record<string, number> = {};
  const published = new Map<string, number>();
  const updatesFrom = new Map<string, number>();
  for (const row of rows) {
    byType[row.type] = (byType[row.type] ?? 0) + 1;
    if (row.event_id === null) continue; // a country context change
    if (row.type === 'event.published') published.set(row.event_id, (published.get(row.event_id) ?? 0) + 1);
    if (row.type === 'event.updated') {
      const key = `${row.event_id} from revision ${revisionOf((row.previous as Record<string, unknown> | null)?.body) ?? '?'}`;
      updatesFrom.set(key, (updatesFrom.get(key) ?? 0) + 1);
    }
  }
  const publishedTwice = [...published].filter(([, n]) => n > 1);
  const updatedTwice = [...updatesFrom].filter(([, n]) => n > 1);
  if (publishedTwice.length)
    problems.push(`changes: ${publishedTwice.length} events published more than once, e.g. ${publishedTwice[0]![0]}`);
  if (updatedTwice.length) problems.push(`changes: ${updatedTwice.length} edits detected more than once, e.g. ${updatedTwice[0]![0]}`);

  const events = await db.selectFrom('events').select(['id', 'body']).where('id', 'like', 'chaos-%').execute();
  const stored = new Map(events.map((e) => [e.id, revisionOf(e.body)]));
  const behind = [...feedRevisions].filter(([id, revision]) => stored.get(id) !== revision);
  if (behind.length) {
    const [id, revision] = behind[0]!;
    problems.push(
      `changes: ${behind.length} feed events not stored at their last revision, e.g. ${id} is at ${stored.get(id) ?? 'nothing'}, the feed at ${revision}`,
    );
  }
  const runs = await db
    .selectFrom('detection_runs')
    .select(['status'])
    .select((eb) => eb.fn.countAll().as('n'))
    .groupBy('status')
    .execute();
  const detectionRuns = Object.fromEntries(runs.map((r) => [r.status, Number(r.n)]));
  return { total: rows.length, byType, duplicates: publishedTwice.length + updatedTwice.length, detectionRuns, problems };
}

async function checkWebhooks(db: Db, endpoints: readonly EndpointUnderTest[]) {
  const problems: string[] = [];
  const changes = await db
    .selectFrom('changes as c')
    .innerJoin('events as e', 'e.id', 'c.event_id')
    .select(['c.id', 'c.type', 'e.country_id'])
    .execute();
  let expected = 0;
  let lost = 0;
  let duplicatesFromRetries = 0;
  let idConflicts = 0;
  let unverified = 0;
  let failedAnswers = 0;
  let receipts = 0;
  const lostSamples: string[] = [];
  for (const endpoint of endpoints) {
    const byChange = new Map<number, { ids: Set<string>; ok: number }>();
    for (const r of endpoint.received) {
      receipts += 1;
      if (!r.verified) unverified += 1;
      const changeId = Number((r.body.data as { change?: { id?: number } } | undefined)?.change?.id);
      const entry = byChange.get(changeId) ?? { ids: new Set<string>(), ok: 0 };
      entry.ids.add(r.id);
      if (r.status >= 200 && r.status < 300) entry.ok += 1;
      else failedAnswers += 1;
      byChange.set(changeId, entry);
    }
    for (const change of changes) {
      const wanted =
        (endpoint.types.length === 0 || endpoint.types.includes(change.type)) &&
        (endpoint.countries.length === 0 || endpoint.countries.includes(change.country_id));
      const got = byChange.get(Number(change.id));
      if (!wanted) {
        if (got)
          problems.push(`webhooks: ${endpoint.name} got change ${change.id} (${change.type}, ${change.country_id}) it did not ask for`);
        continue;
      }
      expected += 1;
      if (!got || got.ok === 0) {
        lost += 1;
        if (lostSamples.length < 3) lostSamples.push(`change ${change.id} to ${endpoint.name}`);
      } else {
        duplicatesFromRetries += got.ok - 1;
      }
      if (got && got.ids.size > 1) idConflicts += 1;
    }
  }
  if (lost) problems.push(`webhooks: ${lost} of ${expected} (change, endpoint) pairs never answered 2xx, e.g. ${lostSamples.join('; ')}`);
  if (idConflicts) problems.push(`webhooks: ${idConflicts} (change, endpoint) pairs arrived under more than one webhook-id`);
  if (unverified) problems.push(`webhooks: ${unverified} requests failed signature verification`);

  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['status'])
    .select((eb) => eb.fn.countAll().as('n'))
    .groupBy('status')
    .execute();
  const deliveries = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  if (deliveries.pending) problems.push(`webhooks: ${deliveries.pending} deliveries still pending after the drain`);
  if (deliveries.failed) problems.push(`webhooks: ${deliveries.failed} deliveries failed for good`);
  const attempts = await db
    .selectFrom('webhook_attempts')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return {
    expected,
    lost,
    receipts,
    failedAnswers,
    duplicatesFromRetries,
    idConflicts,
    deliveries,
    attempts: Number(attempts.n),
    problems,
  };
}

async function checkDigests(db: Db, resend: FakeResend, subscribers: readonly SeededSubscriber[], startedAt: Date, endedAt: Date) {
  const problems: string[] = [];
  const perRecipient = new Map<string, number>();
  for (const delivery of resend.deliveries()) {
    for (const to of delivery.to) perRecipient.set(to.toLowerCase(), (perRecipient.get(to.toLowerCase()) ?? 0) + 1);
  }
  let lost = 0;
  let duplicated = 0;
  let digests = 0;
  const samples: string[] = [];
  for (const s of subscribers) {
    // A period boundary crossed during the run (09:00 local on a Monday or the 1st) makes two.
    const periods = new Set([startedAt, endedAt].map((at) => latestDuePeriod(s.frequency, s.timezone, at).key)).size;
    const got = perRecipient.get(s.email) ?? 0;
    digests += got;
    if (got < periods) lost += 1;
    if (got > periods) duplicated += 1;
    if (got !== periods && samples.length < 3) samples.push(`${s.email} got ${got}`);
  }
  if (lost) problems.push(`digests: ${lost} of ${subscribers.length} confirmed subscribers got no digest, e.g. ${samples.join('; ')}`);
  if (duplicated)
    problems.push(
      `digests: ${duplicated} of ${subscribers.length} confirmed subscribers got more than one digest, e.g. ${samples.join('; ')}`,
    );

  const rows = await db
    .selectFrom('digests')
    .select(['status'])
    .select((eb) => eb.fn.countAll().as('n'))
    .groupBy('status')
    .execute();
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const batches = await db
    .selectFrom('digest_batches')
    .select(['status'])
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum<number>('attempts').as('resends')])
    .groupBy('status')
    .execute();
  const requests = resend.requests();
  const emails = {
    requests: requests.length,
    faultsInjected: requests.filter((r) => r.fault).length,
    replayedByKey: requests.filter((r) => r.replayed).length,
    conflicts409: requests.filter((r) => r.status === 409).length,
    delivered: resend.deliveries().length,
    digestEmails: digests,
    otherEmails: resend.deliveries().length - digests,
  };
  // Resend refuses a key sent again with another payload; our retries must resend the same bytes.
  const payloadsByKey = new Map<string, Set<string>>();
  for (const r of requests) {
    if (!r.idempotencyKey) continue;
    const payloads = payloadsByKey.get(r.idempotencyKey) ?? new Set<string>();
    payloads.add(`${r.path}\n${canonicalJson(r.body)}`);
    payloadsByKey.set(r.idempotencyKey, payloads);
  }
  const reused = [...payloadsByKey.values()].filter((payloads) => payloads.size > 1).length;
  if (reused) problems.push(`digests: ${reused} idempotency keys were sent with more than one payload`);
  return {
    subscribers: subscribers.length,
    lost,
    duplicated,
    rows: byStatus,
    batches: Object.fromEntries(batches.map((b) => [b.status, { batches: Number(b.n), resends: Number(b.resends ?? 0) }])),
    emails,
    problems,
  };
}
