/**
 * "Where the time goes", the same way for every bench: a sampling CPU profile (node:inspector) of
 * the bench's app work, its self time summed by the app's own functions (src/...), the database
 * driver, garbage collection and the rest, as one table for the reporter.
 */

import { writeFileSync } from 'node:fs';
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../testkit/process';
import { cols, fmtMs, pct, type Table } from './report';

export type CpuProfile = Profiler.Profile;

/** `work()` under the CPU profiler of this thread, sampling every 500 µs. */
export async function profiled<T>(work: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = await session.post('Profiler.stop');
    const keep = process.env.BENCH_CPU_PROFILE_DIR; // to open in Chrome DevTools or speedscope
    if (keep) writeFileSync(join(keep, `bench-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    return { result, profile };
  } finally {
    session.disconnect(); // also stops a profile left running by a failed work()
  }
}

const DRIVER = /node_modules\/(pg|pg-pool|pg-protocol|pg-cursor|pg-types|postgres-[a-z]+|kysely|@electric-sql\/pglite)\//;

/** Where a function's self time counts: `src/file.ts fn`, a native function by name, the driver, Node, libraries, GC, the bench. */
function place({ functionName, url }: Profiler.ProfileNode['callFrame']): string | undefined {
  if (functionName === '(idle)' || functionName === '(root)') return undefined; // waiting, not CPU
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'native code outside JavaScript (V8, Node C++: sockets, crypto, compiling)';
  if (DRIVER.test(url) || url.startsWith('wasm://')) return 'database driver (pg / PGlite / Kysely)';
  if (url.startsWith('node:')) return 'Node built-ins (node:*)';
  if (url.includes('/node_modules/')) return 'other libraries (node_modules)';
  const file = url.startsWith('file://') ? relative(projectRoot, fileURLToPath(url)) : '';
  if (file.startsWith('src/')) return `\`${file}\` ${functionName || '(anonymous)'}`;
  return file ? 'the bench itself (bench/, testkit/)' : `native \`${functionName}\``;
}

/** Self time in ms by place over the profiles. */
function selfTimes(profiles: readonly CpuProfile[]): Map<string, number> {
  const ms = new Map<string, number>();
  for (const p of profiles) {
    const at = new Map(p.nodes.map((n) => [n.id, place(n.callFrame)]));
    p.samples?.forEach((id, i) => {
      const where = at.get(id);
      if (where !== undefined) ms.set(where, (ms.get(where) ?? 0) + (p.timeDeltas?.[i] ?? 0) / 1000);
    });
  }
  return ms;
}

/**
 * One column per run (`title`: its profiles, `per`: the count its figures are divided by):
 * self time by place, the `top` app functions of all runs by name and the rest of src/ in one
 * row, then the driver, Node, libraries, native code and GC; each cell `ms (share of the run)`.
 */
export function whereTimeGoes(
  runs: readonly { title: string; profiles: readonly CpuProfile[]; per?: number }[],
  unit: string,
  top = 12,
): Table {
  const times = runs.map((r) => selfTimes(r.profiles));
  const totals = times.map((t) => [...t.values()].reduce((a, b) => a + b, 0));
  const sum = (k: string) => times.reduce((a, t, i) => a + (t.get(k) ?? 0) / totals[i]!, 0);
  const places = [...new Set(times.flatMap((t) => [...t.keys()]))].sort((a, b) => sum(b) - sum(a));
  const rowOf = (label: string, keys: readonly string[]) => [
    label,
    ...times.map((t, i) => {
      const ms = keys.reduce((a, k) => a + (t.get(k) ?? 0), 0);
      return `${fmtMs(ms / (runs[i]!.per ?? 1))} (${pct(ms / totals[i]!, 0)})`;
    }),
  ];
  /** The first `n` places of a kind, one row each, and the rest of that kind in one row. */
  const ranked = (prefix: string, n: number, rest: string) => {
    const all = places.filter((k) => k.startsWith(prefix));
    return [...all.slice(0, n).map((k) => rowOf(k, [k])), rowOf(`${rest} (${all.length - Math.min(n, all.length)})`, all.slice(n))];
  };
  return {
    columns: cols('where (self time in a CPU profile)', ...runs.map((r) => `>${r.title}: ${unit}`)),
    rows: [
      ...ranked('`', top, 'src/: the other functions'),
      ...ranked('native `', 5, 'native: the other functions'),
      ...places.filter((k) => !k.startsWith('`') && !k.startsWith('native `')).map((k) => rowOf(k, [k])),
      rowOf('all sampled CPU', places),
    ],
  };
}
