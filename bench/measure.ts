/** What the benches measure alike: rounds in alternating order, rates at a concurrency, ranges. */
import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/db/connect';
import { type DbTarget, pgliteVersion } from '../testkit/db-targets';
import { fmtInt } from './report';

export { inTempDir } from '../testkit/process';

export const log = (line: string) => console.log(line);

/**
 * Round 1 over `items` in order, round 2 in reverse, ...: load from other work falls on them
 * alike. `stopAfter(round)` may end it early; the rounds run are returned.
 */
export async function interleaved<T>(
  rounds: number,
  items: readonly T[],
  each: (item: T, round: number, index: number) => Promise<void>,
  stopAfter: (round: number) => boolean = () => false,
): Promise<number> {
  for (let round = 1; round <= rounds; round++) {
    const order = items.map((_, i) => i);
    if (round % 2 === 0) order.reverse();
    for (const i of order) await each(items[i]!, round, i);
    if (stopAfter(round)) return round;
  }
  return rounds;
}

/** `count` calls of `call(i)`, `concurrency` at a time; calls per second. */
export async function atConcurrency(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(next++);
    }),
  );
  return (count / (performance.now() - started)) * 1000;
}

/** CPU time (user + system) of this process since `start`, in ms. */
export const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};

/** `min-max` of the values, formatted. */
export const spread = (values: readonly number[], fmt: (n: number) => string = fmtInt) =>
  `${fmt(Math.min(...values))}-${fmt(Math.max(...values))}`;

const bodyLength = (e: { body?: string | null }) => e.body?.length ?? 0;
/** `min-max` of the events' body lengths. */
export const bodyChars = (events: readonly { body?: string | null }[]) => spread(events.map(bodyLength), String);

/** The cell, when it is the same for every record; else each record's, joined. */
export const consistent = <T>(records: readonly T[], cell: (r: T) => string) => [...new Set(records.map(cell))].join(' / ');

/** A fresh database of `target` for `work`, its connection warmed first. */
export async function onFresh<T>(target: DbTarget, round: number, work: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const fresh = await target.fresh(round);
  try {
    await sql`select 1`.execute(fresh.handle.db);
    return await work(fresh.handle);
  } finally {
    await fresh.dispose();
  }
}

/** The machine line's database versions for benches over `dbTargets`. */
export const targetsMachine = (targets: readonly DbTarget[], postgres: string) => ({
  PostgreSQL: postgres,
  PGlite: targets.find((t) => t.name.startsWith('PGlite'))?.version ?? pgliteVersion(),
});
