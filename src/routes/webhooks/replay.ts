import { sql } from 'kysely';
import { endpointWantsLogChange, eventIdsOf, logChangeBody } from '../../alerts/webhooks/fanout';
import { newDeliveryId } from '../../alerts/webhooks/payload';
import { listLogChangesAfter } from '../../db/changes';
import type { Tx } from '../../db/database';
import { loadEvents } from '../../db/events';
import { insertDeliveries, type NewDelivery, requeuedAt, wakeDispatchersAtCommit } from '../../db/webhook-deliveries';
import type { EndpointRow } from '../../db/webhook-endpoints';
import type { ReplaySince } from './schema';

const CHANGES_PER_STEP = 1000;

/** The id just before the first change to replay, or undefined when there is none. */
async function startAfter(trx: Tx, since: ReplaySince): Promise<number | undefined> {
  if ('changeId' in since) return since.changeId - 1;
  const row = await trx
    .selectFrom('changes')
    .select((eb) => eb.fn.min('id').as('first'))
    .where('detected_at', '>=', since.at)
    .executeTakeFirst();
  return row?.first == null ? undefined : Number(row.first) - 1;
}

/**
 * Re-queues, for one endpoint (locked by the caller's transaction), every change since
 * `since` (and detected before `until`, when given) that it wants now: a change it already has a delivery for is queued again with
 * the same webhook-id; a change it never got is queued as a new delivery with the event
 * as it is now. Answers how many deliveries were queued. Every instance's dispatcher is woken
 * at commit (re-queuing is an update, which the insert triggers do not see).
 */
export async function replayChanges(trx: Tx, endpoint: EndpointRow, since: ReplaySince, now: Date, until?: Date): Promise<number> {
  let after = await startAfter(trx, since);
  if (after === undefined) return 0;
  let queued = 0;
  for (;;) {
    const page = await listLogChangesAfter(trx, after, CHANGES_PER_STEP);
    if (page.length === 0) break;
    after = page.at(-1)!.id;
    // Ids follow commit order, detection times follow the clock: keep the time bound exact.
    const changes = page.filter(
      (c) => (!('at' in since) || Date.parse(c.detectedAt) >= since.at.getTime()) && (!until || Date.parse(c.detectedAt) < until.getTime()),
    );
    const events = await loadEvents(trx, eventIdsOf(changes));
    const wanted = changes.filter((c) => endpointWantsLogChange(endpoint, c, events));
    if (wanted.length > 0) {
      const requeued = await trx
        .updateTable('webhook_deliveries')
        .set(requeuedAt(now))
        .where('endpoint_id', '=', endpoint.id)
        .where('change_id', '=', sql<number>`any(${sql.val(wanted.map((c) => c.id))}::bigint[])`)
        .returning('change_id')
        .execute();
      const had = new Set(requeued.map((r) => Number(r.change_id)));
      const fresh: NewDelivery[] = wanted
        .filter((c) => !had.has(c.id))
        .map((c) => ({
          id: newDeliveryId(),
          endpointId: endpoint.id,
          changeId: c.id,
          type: c.type,
          payload: logChangeBody(c, events, now),
        }));
      queued += requeued.length + (await insertDeliveries(trx, fresh, now));
    }
    if (page.length < CHANGES_PER_STEP) break;
  }
  if (queued > 0) await wakeDispatchersAtCommit(trx);
  return queued;
}
