/**
 * Do named prepared statements still pay off? The two hot statements (a whole sign-up, a claim of
 * due sign-up notices) run through their real query functions over a pg pool of 10 at a
 * concurrency of 10, once as plain queries and once as named statements (pg's own query config,
 * `{ name, text, values }`: parsed and planned once per connection), in interleaved rounds.
 *
 *   npm run bench -- prepared-statements
 *
 * Environment: BENCH_DATABASE_URL (PostgreSQL on loopback; default the local tracker_bench database),
 * BENCH_ROUNDS (default 6), BENCH_CALLS (calls per statement, mode and round; default 3,000).
 */
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/database';
import { claimDueNotices } from '../src/db/signup-notices';
import { signUp } from '../src/db/subscribers';
import { benchDatabaseUrl, freshSchema } from '../testkit/db-targets';
import { median } from '../testkit/stats';
import { atConcurrency, interleaved, log } from './measure';
import { type BenchResult, envNumber, fmtInt, machineInfo, recordTable, startRun, writeUnless } from './report';

const ROUNDS = envNumber('BENCH_ROUNDS', 6, 1);
const CONCURRENCY = 10;
const PER_ROUND = envNumber('BENCH_CALLS', 3_000, 10);

type Mode = 'plain' | 'named';

/** What the figures decided (December 2026 run); say so again if a new run turns them around. */
const DECISION =
  'Decision: the sign-up stays a named statement (about twice the throughput: a large statement that is otherwise parsed and planned on every call), ' +
  "through one seam, `src/db/prepared-statements.ts` (the pool handed to Kysely's PostgresDialect sends a statement marked `preparedAs(name)` as pg's " +
  '`{ name, text, values }`; no patched pg.Client). The notice claim is sent plain: in the run that decided it (December 2026) named it was faster in round 1, level in round 2 and slower in rounds 3 to 6, ' +
  "35% at the median (PostgreSQL's generic plan for it, most likely); see the table for this run's rounds. The claim rate falls from round to round in both modes as the queue grows (every round adds its sign-ups' notices), " +
  'which is why the modes alternate. Machine busy with other work during the run (see the load).';

/** A pg pool client that sends every statement as a named one, the name chosen per text. */
class NamingClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly nameOf: (text: string) => string,
  ) {}
  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query(cursor: never): never;
  async query<R>(sql: string, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const result = await this.client.query<R & pg.QueryResultRow>({ name: this.nameOf(sql), text: sql, values: [...(parameters ?? [])] });
    // Kysely reads rows and rowCount; pg's command is a plain string.
    return { command: 'SELECT', rowCount: result.rowCount ?? 0, rows: result.rows };
  }
  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}

function namingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    const known = names.get(text);
    if (known) return known;
    const name = `bench-${names.size + 1}`;
    names.set(text, name);
    return name;
  };
  return { options: pool.options, end: () => pool.end(), connect: async () => new NamingClient(await pool.connect(), nameOf) };
}

export async function run(): Promise<BenchResult> {
  const url = benchDatabaseUrl();
  const { handle, schema, drop } = await freshSchema(url, `bench_prepared_${process.pid}`);
  await handle.close();
  const pools = { plain: newPool(url, schema), named: newPool(url, schema) };
  const dbs: Record<Mode, Kysely<Database>> = {
    plain: new Kysely<Database>({ dialect: new PostgresDialect({ pool: pools.plain }) }),
    named: new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pools.named) }) }),
  };
  const figures = { plain: { signUp: [] as number[], claim: [] as number[] }, named: { signUp: [] as number[], claim: [] as number[] } };
  let serial = 0;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const clockRun = startRun();
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
      log(`round ${round} ${mode}: sign-up ${fmtInt(signUpRate)}/s, notice claim ${fmtInt(claimRate)}/s`);
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
    machine: machineInfo(),
    run: clockRun.finish(),
    write: writeUnless(ROUNDS !== 6 || PER_ROUND !== 3_000, 'BENCH_ROUNDS or BENCH_CALLS'),
    blocks: [
      `The real query functions through a pg pool of ${CONCURRENCY} at a concurrency of ${CONCURRENCY} on PostgreSQL (127.0.0.1), ${fmtInt(PER_ROUND)} calls per statement, mode and round, ${ROUNDS} rounds with the order of the two modes alternating. "Named" sends pg's query config \`{ name, text, values }\` (parsed and planned once per connection); "plain" sends the same text unnamed.`,
      recordTable(rows, {
        statement: (r) => r.name,
        '>plain, median /s': (r) => fmtInt(median(r.plain)),
        '>named, median /s': (r) => fmtInt(median(r.named)),
        '>named vs plain': (r) => `${gain(r) >= 0 ? '+' : ''}${(gain(r) * 100).toFixed(1)}%`,
        'plain, per round': (r) => r.plain.map(fmtInt).join(', '),
        'named, per round': (r) => r.named.map(fmtInt).join(', '),
      }),
      DECISION,
    ],
  };
}

function newPool(url: string, schema: string): pg.Pool {
  return new pg.Pool({ connectionString: url, max: CONCURRENCY, options: `-c search_path=${schema}` });
}
