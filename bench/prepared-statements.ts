/**
 * Do named prepared statements still pay off? A sign-up and a claim of due sign-up notices through
 * their real query functions, a pool of 10 at a concurrency of 10, as plain queries and as named
 * statements (pg's own query config, `{ name, text, values }`), in interleaved rounds.
 */
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/database';
import { claimDueNotices } from '../src/db/signup-notices';
import { signUp } from '../src/db/subscribers';
import { benchDatabaseUrl, freshSchema } from '../testkit/db-targets';
import { median } from '../testkit/stats';
import { atConcurrency, interleaved, log } from './measure';
import * as report from './report';

const ROUNDS = report.envNumber('BENCH_ROUNDS', 6, 1);
const CONCURRENCY = 10;
const PER_ROUND = report.envNumber('BENCH_CALLS', 3_000, 10);

type Mode = 'plain' | 'named';

/** pg's pool for Kysely, every statement sent as a named one (pg's query config), the name chosen per text. */
function namingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string) => names.get(text) ?? names.set(text, `bench-${names.size + 1}`).get(text)!;
  const connect = async (): Promise<PostgresPoolClient> => {
    const client = await pool.connect();
    const query = async (text: string, values: readonly unknown[]) => {
      const { rowCount, rows } = await client.query({ name: nameOf(text), text, values: [...values] });
      return { command: 'SELECT', rowCount: rowCount ?? 0, rows }; // Kysely reads rows and rowCount
    };
    return { query, release: (destroy?: boolean) => client.release(destroy) } as PostgresPoolClient;
  };
  return { options: pool.options, end: () => pool.end(), connect };
}

export async function run(): Promise<report.BenchResult> {
  const url = benchDatabaseUrl();
  const { handle, schema, drop } = await freshSchema(url, `bench_prepared_${process.pid}`);
  await handle.close();
  const newPool = () => new pg.Pool({ connectionString: url, max: CONCURRENCY, options: `-c search_path=${schema}` });
  const pools = { plain: newPool(), named: newPool() };
  const dbs: Record<Mode, Kysely<Database>> = {
    plain: new Kysely<Database>({ dialect: new PostgresDialect({ pool: pools.plain }) }),
    named: new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pools.named) }) }),
  };
  const figures = { plain: { signUp: [] as number[], claim: [] as number[] }, named: { signUp: [] as number[], claim: [] as number[] } };
  let serial = 0;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  try {
    await interleaved(ROUNDS, ['plain', 'named'] as const, async (mode, round) => {
      const db = dbs[mode];
      const signUpRate = await atConcurrency(PER_ROUND, CONCURRENCY, () => {
        const n = serial++;
        return signUp(db, {
          email: `bench-${n}@example.org`,
          emailHash: `hash-${n}`,
          choices: { countries: ['KAZ'], regions: [], categories: [], frequency: 'weekly', timezone: 'UTC', skip_empty: true },
          consentSource: 'api',
          now: new Date(clock),
          noticeDueBefore: new Date(clock - 60_000),
          limits: [
            { key: `ip:${n % 997}`, points: 1_000_000, durationMs: 3_600_000 },
            { key: `address:hash-${n}`, points: 5, durationMs: 3_600_000 },
          ],
        });
      });
      // Every claim sees the leases before it run out: it takes the oldest batch again.
      const claimRate = await atConcurrency(PER_ROUND, CONCURRENCY, () => {
        clock += 1_000;
        return claimDueNotices(db, { owner: 'bench-claim', now: new Date(clock), leaseUntil: new Date(clock + 1), limit: 100 });
      });
      figures[mode].signUp.push(signUpRate);
      figures[mode].claim.push(claimRate);
      log(`round ${round} ${mode}: sign-up ${report.fmtInt(signUpRate)}/s, notice claim ${report.fmtInt(claimRate)}/s`);
    });
  } finally {
    await Promise.all([dbs.plain.destroy(), dbs.named.destroy()]);
    await drop().catch(() => undefined);
  }
  const rows = [
    { name: 'sign-up (`signUp`, new address)', plain: figures.plain.signUp, named: figures.named.signUp },
    { name: 'notice claim (`claimDueNotices`, up to 100)', plain: figures.plain.claim, named: figures.named.claim },
  ];
  const gain = (r: (typeof rows)[number]) => median(r.named) / median(r.plain) - 1;
  return {
    section: 'Prepared statements',
    command: 'npm run bench -- prepared-statements        # BENCH_ROUNDS=2 BENCH_CALLS=300 for a quick pass (no file written)',
    write: report.writeUnless(ROUNDS !== 6 || PER_ROUND !== 3_000, 'BENCH_ROUNDS or BENCH_CALLS'),
    body: report.writeUp(
      'prepared-statements',
      { concurrency: CONCURRENCY, calls: report.fmtInt(PER_ROUND), rounds: ROUNDS },
      {
        rates: report.recordTable(rows, {
          statement: (r) => r.name,
          '>plain, median /s': (r) => report.fmtInt(median(r.plain)),
          '>named, median /s': (r) => report.fmtInt(median(r.named)),
          '>named vs plain': (r) => `${gain(r) >= 0 ? '+' : ''}${(gain(r) * 100).toFixed(1)}%`,
          'plain, per round': (r) => r.plain.map(report.fmtInt).join(', '),
          'named, per round': (r) => r.named.map(report.fmtInt).join(', '),
        }),
      },
    ),
  };
}
