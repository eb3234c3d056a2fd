import { runCleanup } from '../alerts/cleanup/run-cleanup';
import { bootNode, closeAfterWork } from '../boot';

/** `npm run cleanup`: one retention cleanup now; prints what it deleted, by kind. */
const { deps, database } = await bootNode();
const outcome = await runCleanup(deps);
await closeAfterWork(deps, database);
if (!outcome.ran) {
  process.stderr.write('A cleanup is already running elsewhere; nothing done.\n');
  process.exit(2);
}
const { retention } = deps.config;
process.stdout.write(
  `cleanup (unconfirmed after ${retention.unconfirmedDays} d, webhook attempts after ${retention.webhookAttemptsDays} d, outbox after ${retention.outboxDays} d):\n`,
);
for (const [kind, n] of Object.entries(outcome.deleted)) process.stdout.write(`  ${kind}: ${n} deleted\n`);
