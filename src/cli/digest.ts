import { parseArgs } from 'node:util';
import { runDigestTick } from '../alerts/digest/runner';
import { seedDemoSubscribers } from '../alerts/sources/demo/subscribers';
import { openNodeResources } from '../node-resources';
import { createDeps, servicesIdle } from '../services';

/** `npm run digest -- [--now <iso>] [--dry-run]`: one digest tick, as if at `--now`. */
const { values } = parseArgs({ options: { now: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } } });
const asOf = values.now ? new Date(values.now) : new Date();
if (Number.isNaN(asOf.getTime())) {
  process.stderr.write(`--now: "${values.now}" is not a date (use ISO 8601, e.g. 2025-02-01T09:00:00Z)\n`);
  process.exit(2);
}
const { resources, database } = await openNodeResources();
const deps = createDeps(resources);
await seedDemoSubscribers(deps);
const result = await runDigestTick(deps, { asOf, trigger: 'cli', dryRun: values['dry-run'] });
await servicesIdle(deps);
await database.close();
const verb = result.dryRun ? 'would send' : 'sent';
process.stdout.write(
  `digest tick as of ${result.asOf}${result.dryRun ? ' (dry run: nothing written)' : ''}: ${result.enqueued} due, ${verb} ${result.sent}, skipped ${result.skipped}, failed ${result.failed}, deferred ${result.deferred}, in ${result.batches} batches\n`,
);
process.exit(result.failed > 0 ? 1 : 0);
