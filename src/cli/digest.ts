import { commandFlags } from './command';

/** `npm run digest -- [--now <iso>] [--dry-run]`: one digest tick, as if at `--now`. */
const values = commandFlags('npm run digest -- [--now <ISO 8601 time>] [--dry-run]', {
  now: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
});
const asOf = values.now ? new Date(values.now) : new Date();
if (Number.isNaN(asOf.getTime())) {
  process.stderr.write(`--now: "${values.now}" is not a date (use ISO 8601, e.g. 2025-02-01T09:00:00Z)\n`);
  process.exit(2);
}
// The app is loaded once the flags are good: --help and a usage error answer without loading it.
const [{ runDigestTick }, { seedDemoSubscribers }, { openNodeResources }, { createDeps, servicesIdle }] = await Promise.all([
  import('../alerts/digest/runner'),
  import('../alerts/sources/demo/subscribers'),
  import('../node-resources'),
  import('../services'),
]);
const { resources, database } = await openNodeResources({ logToStderr: true });
const deps = createDeps(resources);
await seedDemoSubscribers(deps);
const outcomeWords = { sent: 'sent', refused: 'REFUSED by the provider', deferred: 'not taken now, to be retried with the same key' };
const result = await runDigestTick(deps, {
  asOf,
  trigger: 'cli',
  dryRun: values['dry-run'],
  onBatch: (batch) => process.stdout.write(`batch ${batch.number}: ${batch.emails} emails ${outcomeWords[batch.outcome]}\n`),
});
await servicesIdle(deps);
await deps.mailer.close?.();
await database.close();
process.stdout.write(
  result.dryRun
    ? `digest tick as of ${result.asOf}, dry run: ${result.enqueued} digests due; ${result.sent} would be sent and ${result.skipped} skipped (empty, and their subscriber chose to skip empty digests). Nothing was recorded or sent, so no batches were formed.\n`
    : `digest tick as of ${result.asOf}: ${result.enqueued} due, sent ${result.sent} in ${result.batches} ${result.batches === 1 ? 'batch' : 'batches'}, skipped ${result.skipped} (empty), failed ${result.failed}, deferred ${result.deferred} (to be retried with the same key)\n`,
);
process.exit(result.failed > 0 ? 1 : 0);
