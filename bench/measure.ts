/** What the benches measure alike: rounds in alternating order, rates, timed steps, statement totals. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatementShape } from '../testkit/statement-timer';
import { median } from '../testkit/stats';
import { fmtInt, now } from './report';

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
  const started = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(next++);
    }),
  );
  return (count / (now() - started)) * 1000;
}

/** Wall time of one call. */
export async function timed<T>(f: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t = now();
  const value = await f();
  return { ms: now() - t, value };
}

/** Samples (ms) per labelled step: `step(label, f)` runs `f` `reps` times and keeps each time. */
export function stepSamples(reps: number, into = new Map<string, number[]>()) {
  const step = async <T>(label: string, f: () => T | Promise<T>): Promise<T> => {
    let out!: T;
    for (let i = 0; i < reps; i++) {
      const t = await timed(f);
      out = t.value;
      into.set(label, [...(into.get(label) ?? []), t.ms]);
    }
    return out;
  };
  return { step, samples: into, medians: () => [...into].map(([label, ms]) => [label, median(ms)] as [string, number]) };
}

/** A statement timer's totals: ms by label, all ms, all statements. */
export function sqlTotals(totals: ReadonlyMap<string, { ms: number; count: number }>) {
  const byStatement: Record<string, number> = {};
  let sqlMs = 0;
  let statements = 0;
  for (const [label, t] of totals) {
    byStatement[label] = t.ms;
    sqlMs += t.ms;
    statements += t.count;
  }
  return { byStatement, sqlMs, statements };
}

/** `min-max` of the values, formatted. */
export const spread = (values: readonly number[], fmt: (n: number) => string = fmtInt) =>
  `${fmt(Math.min(...values))}-${fmt(Math.max(...values))}`;

/** The cell, when it is the same for every record; else each record's, joined. */
export const consistent = <T>(records: readonly T[], cell: (r: T) => string) => [...new Set(records.map(cell))].join(' / ');

/** A temporary directory for the call, removed after it. */
export async function inTempDir<T>(prefix: string, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Labels for the events pipeline's statements (ingest, detection): kind, table, and what a select of events reads. */
export const eventsLabel = ({ kind, table, upsert, selections }: StatementShape): string => {
  if (kind === 'InsertQueryNode') return `insert ${table ?? '?'}${upsert ? ' (upsert)' : ''}`;
  if (kind === 'UpdateQueryNode') return `update ${table ?? '?'}`;
  if (kind === 'SelectQueryNode' && table === 'events') return selections <= 2 ? 'select events (id, hash)' : 'select events (full rows)';
  if (kind === 'SelectQueryNode') return `select ${table ?? '(raw)'}`;
  return kind === 'RawNode' ? 'raw (advisory locks)' : kind;
};
