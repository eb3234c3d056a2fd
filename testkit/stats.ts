/** Summary statistics for measured samples. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of values sorted ascending. */
export function percentileOf<T>(sorted: readonly T[], p: number): T | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Nearest-rank percentile of numbers sorted ascending (NaN when empty). */
export const percentile = (sorted: readonly number[], p: number): number => percentileOf(sorted, p) ?? Number.NaN;

/** Nearest-rank percentile of unsorted numbers. */
export const percentileUnsorted = (values: readonly number[], p: number): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    p,
  );

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export const maxOf = (values: readonly number[]): number => values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
