/**
 * `npm run bench [-- <name filter>]`: runs the benches named below, one after the other; each is
 * bench/<name>.ts exporting `run(): Promise<BenchResult>`, and `report` writes its section of
 * BENCHMARKS.md. Add yours to `benchNames`.
 *
 *   npm run bench               all of them
 *   npm run bench -- ingest     only those whose name contains "ingest"
 */
import { type BenchResult, report, startRun } from './report';

export const benchNames = [
  'ingest',
  'digest-render',
  'detection',
  'page-parser',
  'subscriptions',
  'prepared-statements',
  'digests',
  'webhooks',
  'tracker-crawl',
  'instant-alerts',
  'feeds',
];

async function main(): Promise<void> {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const selected = benchNames.filter((name) => filters.length === 0 || filters.some((f) => name.includes(f.toLowerCase())));
  if (selected.length === 0) {
    console.error(`No bench matches ${filters.join(', ')}; known: ${benchNames.join(', ')}`);
    process.exitCode = 2;
  }
  for (const name of selected) {
    console.log(`\n=== bench: ${name} ===`);
    const started = performance.now();
    const bench = (await import(`./${name}.ts`)) as { run: () => Promise<BenchResult> };
    const clock = startRun();
    const result = await bench.run();
    report({ run: clock.finish(), ...result }, `bench/${name}.ts`);
    console.log(`=== ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s ===`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
