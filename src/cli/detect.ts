import { commandFlags } from './command';

/**
 * `npm run detect`: one detection run now; a line per source, and per tracker page group (with
 * a line per failed page), as each finishes; exit 1 if every source failed.
 */
commandFlags('npm run detect', {});
// The app is loaded once the flags are good: --help and a usage error answer without loading it.
const [{ groupSummary, runDetection, summary }, { openNodeResources }, { createDeps, servicesIdle }] = await Promise.all([
  import('../alerts/detector/run-detection'),
  import('../node-resources'),
  import('../services'),
]);
const { resources, database } = await openNodeResources({ logToStderr: true });
const deps = createDeps(resources);
const outcome = await runDetection(deps, 'cli', {
  onSource: (source) => process.stdout.write(`${summary(source)}\n`),
  onTrackerGroup: (group) => {
    process.stdout.write(`${groupSummary(group)}\n`);
    for (const failure of group.failures) process.stdout.write(`  ${summary(failure)}\n`);
  },
});
await servicesIdle(deps);
await deps.mailer.close?.();
await database.close();
if (!outcome.ran) {
  process.stderr.write('A detection run is already in progress elsewhere; nothing done.\n');
  process.exit(2);
}
process.stdout.write(`run ${outcome.run.id}: ${outcome.run.status}\n`);
process.exit(outcome.run.status === 'failed' ? 1 : 0);
