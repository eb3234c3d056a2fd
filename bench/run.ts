/**
 * `npm run bench [-- <name filter>]`: runs every bench script listed below, one after the
 * other (each owns its section of BENCHMARKS.md). Add yours to `benches`: a module in
 * bench/ that exports `run(): Promise<void>`.
 *
 *   npm run bench               all of them
 *   npm run bench -- ingest     only those whose name contains "ingest"
 */
interface Bench {
  name: string;
  load: () => Promise<{ run: () => Promise<void> }>;
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
    const mod = await bench.load();
    await mod.run();
    console.log(`=== ${bench.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s ===`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
