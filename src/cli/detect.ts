import { runDetection, summary } from '../alerts/detector/run-detection';
import { openNodeResources } from '../node-resources';
import { createDeps, servicesIdle } from '../services';

/** `npm run detect`: one detection run now; one line per source; exit 1 if every source failed. */
const { resources, database } = await openNodeResources();
const deps = createDeps(resources);
const outcome = await runDetection(deps, 'cli');
await servicesIdle(deps);
await database.close();
if (!outcome.ran) {
  process.stderr.write('A detection run is already in progress elsewhere; nothing done.\n');
  process.exit(2);
}
for (const source of outcome.run.sources) process.stdout.write(`${summary(source)}\n`);
process.stdout.write(`run ${outcome.run.id}: ${outcome.run.status}\n`);
process.exit(outcome.run.status === 'failed' ? 1 : 0);
