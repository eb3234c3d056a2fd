/** Seeded randomness for generated workloads: the same data on every run. */

/** A small seeded generator (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

/** `n` distinct items of `list`, picked one by one. */
export function sample<T>(rand: () => number, list: readonly T[], n: number): T[] {
  const out = new Set<T>();
  while (out.size < Math.min(n, list.length)) out.add(pick(rand, list));
  return [...out];
}

/** A shuffled copy of `list` (Fisher-Yates). */
export function shuffle<T>(rand: () => number, list: readonly T[]): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** One item, chosen with the given weights. */
export function weighted<T>(rand: () => number, list: readonly (readonly [T, number])[]): T {
  const total = list.reduce((a, [, w]) => a + w, 0);
  let r = rand() * total;
  for (const [item, w] of list) {
    r -= w;
    if (r < 0) return item;
  }
  return list.at(-1)![0];
}
