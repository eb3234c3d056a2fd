import { runDetection, summary } from '../alerts/detector/run-detection';
import { bootNode, closeAfterWork } from '../boot';

/** `npm run detect`: one detection run now; one line per source; exit 1 if every source failed. */
const { deps, database } = await bootNode();
const outcome = await runDetection(deps, 'cli');
await closeAfterWork(deps, database);
if (!outcome.ran) {
  process.stderr.write('A detection run is already in progress elsewhere; nothing done.\n');
  process.exit(2);
}
for (const source of outcome.run.sources) process.stdout.write(`${summary(source)}\n`);
process.stdout.write(`run ${outcome.run.id}: ${outcome.run.status}\n`);
process.exit(outcome.run.status === 'failed' ? 1 : 0);
