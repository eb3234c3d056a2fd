import { commandFlags } from './command';

/** `npm run cleanup`: one retention cleanup now; prints what it deleted, by kind. */
commandFlags('npm run cleanup', {});
// The app is loaded once the flags are good: --help and a usage error answer without loading it.
const [{ runCleanup }, { openNodeResources }, { createDeps, servicesIdle }] = await Promise.all([
  import('../alerts/cleanup/run-cleanup'),
  import('../node-resources'),
  import('../services'),
]);
const { resources, database } = await openNodeResources({ logToStderr: true });
const deps = createDeps(resources);
const outcome = await runCleanup(deps);
await servicesIdle(deps);
await deps.mailer.close?.();
await database.close();
if (!outcome.ran) {
  process.stderr.write('A cleanup is already running elsewhere; nothing done.\n');
  process.exit(2);
}
const { retention } = deps.config;
process.stdout.write(
  `cleanup (unconfirmed after ${retention.unconfirmedDays} d, webhook attempts after ${retention.webhookAttemptsDays} d, outbox after ${retention.outboxDays} d):\n`,
);
for (const [kind, n] of Object.entries(outcome.deleted)) process.stdout.write(`  ${kind}: ${n} deleted\n`);
