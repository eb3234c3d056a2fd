/**
 * `npm run bench [-- <name filter>]`: runs every bench listed below, one after the other; each
 * returns its figures and `report` writes its section of BENCHMARKS.md. Add yours to `benches`:
 * a module in bench/ that exports `run(): Promise<BenchResult>`.
 *
 *   npm run bench               all of them
 *   npm run bench -- ingest     only those whose name contains "ingest"
 */
import { type BenchResult, report } from './report';

interface Bench {
  name: string;
  load: () => Promise<{ run: () => Promise<BenchResult> }>;
}

export const benches: Bench[] = [
  { name: 'ingest', load: () => import('./ingest') },
  { name: 'digest-render', load: () => import('./digest-render') },
  { name: 'detection', load: () => import('./detection') },
  { name: 'page-parser', load: () => import('./page-parser') },
  { name: 'subscriptions', load: () => import('./subscriptions') },
  { name: 'prepared-statements', load: () => import('./prepared-statements') },
  { name: 'digests', load: () => import('./digests') },
  { name: 'webhooks', load: () => import('./webhooks') },
];

async function main(): Promise<void> {
  const filters = process.argv
    .slice(2)
    .filter((a) => !a.startsWith('-'))
    .map((a) => a.toLowerCase());
  const selected = benches.filter((b) => filters.length === 0 || filters.some((f) => b.name.toLowerCase().includes(f)));
  if (selected.length === 0) {
    console.error(`No bench matches ${filters.join(', ')}; known: ${benches.map((b) => b.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  for (const bench of selected) {
    console.log(`\n=== bench: ${bench.name} ===`);
    const started = performance.now();
    report(await (await bench.load()).run(), `bench/${bench.name}.ts`);
    console.log(`=== ${bench.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s ===`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
