import { sql } from 'kysely';
import type { Db } from './database';

/** Send slots reserved for one endpoint: `count` slots, `intervalMs` apart, the first at `from`. */
export interface SlotGrant {
  from: Date;
  count: number;
  intervalMs: number;
}

/**
 * Reserves up to `want` of an endpoint's send slots (one every 1000 / `perSecond` ms) that fall
 * before `now` + `horizonMs`, in one statement: the row lock makes instances reserving at once
 * take turns, so no slot is given twice. The first slot is the endpoint's next free one, or `now`
 * if that is past (an idle endpoint saves up no burst). A count of 0 means every slot within the
 * horizon is taken: the next one is `from`.
 */
export async function reserveSendSlots(
  db: Db,
  input: { endpointId: string; perSecond: number; want: number; now: Date; horizonMs: number },
): Promise<SlotGrant> {
  const intervalMs = 1000 / input.perSecond;
  const first = Math.min(input.want, Math.ceil(input.horizonMs / intervalMs));
  const start = sql`greatest(t.next_slot_at, ${input.now}::timestamptz)`;
  const fits = sql`ceil(extract(epoch from (${input.now}::timestamptz + ${input.horizonMs}::float8 * interval '1 millisecond' - ${start})) * 1000 / ${intervalMs}::float8)`;
  const { rows } = await sql<{ granted_from: Date; count: number }>`
    insert into webhook_throttles as t (endpoint_id, granted_from, next_slot_at)
    values (${input.endpointId}, ${input.now}::timestamptz, ${input.now}::timestamptz + ${first * intervalMs}::float8 * interval '1 millisecond')
    on conflict (endpoint_id) do update set
      granted_from = ${start},
      next_slot_at = ${start} + ${intervalMs}::float8 * interval '1 millisecond' * least(${input.want}::float8, greatest(0, ${fits})::float8)
    returning granted_from, round(extract(epoch from (next_slot_at - granted_from)) * 1000 / ${intervalMs}::float8)::integer as count`.execute(
    db,
  );
  const row = rows[0]!;
  return { from: new Date(row.granted_from), count: Number(row.count), intervalMs };
}
