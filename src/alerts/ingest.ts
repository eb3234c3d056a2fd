import type { Clock } from '../clock';
import { appendChanges, lockChangeLog } from '../db/changes';
import type { Db, Tx } from '../db/database';
import type { NormalisedEvent } from '../db/event-fields';
import { loadEventHashes, loadEvents, upsertEvents } from '../db/events';
import type { Metrics } from '../metrics';
import { detectChanges, type EventDecision, hashEvents, type StoredEvent } from './detect';

export interface IngestResult {
  received: number;
  published: number;
  updated: number;
  unchanged: number;
  changes: number;
}

export interface IngestDeps {
  db: Db;
  clock: Clock;
  metrics: Metrics;
}

/**
 * Detection over one batch inside the caller's transaction: lock the change log, read what
 * is stored, decide (pure), write the new state and append the changes.
 */
export async function applyEventBatch(trx: Tx, events: readonly NormalisedEvent[], now: Date): Promise<EventDecision[]> {
  await lockChangeLog(trx);
  const incoming = hashEvents(events);
  const hashes = await loadEventHashes(trx, [...new Set(events.map((e) => e.id))]);
  // Full rows only for events whose content differs: an unchanged re-ingest reads hashes alone.
  const differing = incoming.filter(({ event, hash }) => hashes.has(event.id) && hashes.get(event.id) !== hash);
  const full = await loadEvents(
    trx,
    differing.map(({ event }) => event.id),
  );
  const stored = new Map<string, StoredEvent>();
  for (const [id, hash] of hashes) stored.set(id, { hash, fields: full.get(id) });
  const decided = detectChanges(stored, incoming);

  // One row per id even if the batch repeats one: the last version wins.
  const writes = new Map(decided.filter((d) => d.action !== 'unchanged').map((d) => [d.event.id, d]));
  await upsertEvents(trx, [...writes.values()], now);
  await appendChanges(
    trx,
    decided.flatMap((d) => d.changes.map((c) => ({ ...c, eventId: d.event.id }))),
    now,
  );
  return decided;
}

/**
 * Ingests a batch in one transaction and counts what it did. `alsoInTransaction` commits
 * with it (the detector records a source's validators so they never run ahead of the data).
 */
export async function ingestEvents(
  deps: IngestDeps,
  events: readonly NormalisedEvent[],
  alsoInTransaction?: (trx: Tx) => Promise<void>,
): Promise<IngestResult> {
  const now = deps.clock.now();
  const decisions = await deps.db.transaction().execute(async (trx) => {
    const decided = await applyEventBatch(trx, events, now);
    await alsoInTransaction?.(trx);
    return decided;
  });

  const result: IngestResult = { received: events.length, published: 0, updated: 0, unchanged: 0, changes: 0 };
  for (const d of decisions) {
    if (d.action === 'publish') result.published++;
    else if (d.action === 'update') result.updated++;
    else result.unchanged++;
    result.changes += d.changes.length;
    for (const change of d.changes) deps.metrics.changesAppended.inc({ type: change.type });
  }
  deps.metrics.eventsIngested.inc({ outcome: 'published' }, result.published);
  deps.metrics.eventsIngested.inc({ outcome: 'updated' }, result.updated);
  deps.metrics.eventsIngested.inc({ outcome: 'unchanged' }, result.unchanged);
  return result;
}
