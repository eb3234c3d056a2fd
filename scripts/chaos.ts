import { parseArgs } from 'node:util';
import { formatReport } from '../chaos/report';
import { runChaos } from '../chaos/run';

/**
 * npm run chaos -- [--duration 60] [--database-url postgres://...@127.0.0.1/...] [--seed n] [--keep-schema]
 * Several instances under faults; exits 1 when a check fails. Loopback only.
 */
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    'database-url': { type: 'string' },
    subscribers: { type: 'string', default: '500' },
    seed: { type: 'string' },
    'keep-schema': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: npm run chaos -- [--duration <seconds>] [--database-url <postgres url on loopback>] [--subscribers <n>] [--seed <n>] [--keep-schema]\n' +
      '  database: --database-url, else CHAOS_DATABASE_URL, else postgres://postgres:postgres@127.0.0.1:5432/tracker_bench\n',
  );
  process.exit(0);
}

const duration = Number(values.duration);
const subscribers = Number(values.subscribers);
if (!Number.isFinite(duration) || duration < 5 || duration > 3600) {
  process.stderr.write('chaos: --duration must be a number of seconds between 5 and 3600\n');
  process.exit(2);
}
if (!Number.isInteger(subscribers) || subscribers < 1 || subscribers > 100_000) {
  process.stderr.write('chaos: --subscribers must be a whole number between 1 and 100000\n');
  process.exit(2);
}

const databaseUrl = values['database-url'] ?? process.env.CHAOS_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/tracker_bench';
try {
  const report = await runChaos({
    databaseUrl,
    durationMs: duration * 1000,
    // A fifth before the kills start, the rest in waves while they go on.
    subscribers: {
      initial: Math.ceil(subscribers / 5),
      wave: Math.ceil((subscribers * 4) / 5 / Math.max(1, Math.floor(duration / 2))),
      waveEveryMs: 2_000,
    },
    seed: values.seed === undefined ? undefined : Number(values.seed),
    keepSchema: values['keep-schema'],
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`\n${formatReport(report)}\n`);
  process.exit(report.problems.length === 0 ? 0 : 1);
} catch (error) {
  process.stderr.write(`chaos: ${(error as Error).message}\n`);
  process.exit(2);
}
