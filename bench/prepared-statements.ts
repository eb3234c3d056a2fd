/**
 * Do named prepared statements still pay off? The two hot statements (a whole sign-up, a claim of
 * due sign-up notices) run through their real query functions over a pg pool of 10 at a
 * concurrency of 10, once as plain queries and once as named statements (pg's own query config,
 * `{ name, text, values }`: parsed and planned once per connection), in interleaved rounds.
 *
 *   flock /tmp/bench.lock npm run bench -- prepared-statements
 *
 * Environment: BENCH_DATABASE_URL (PostgreSQL on loopback; default the local tracker_bench database).
 */
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { openPostgres } from '../src/db/postgres';
import { claimDueNotices } from '../src/db/signup-notices';
import { signUp } from '../src/db/subscribers';
import { taxonomySeed } from '../src/taxonomy/seed';
import { adminQueryAt as adminQuery, benchDatabaseUrl } from '../testkit/db-targets';
import { median } from '../testkit/stats';
import { type BenchResult, cols, fmtInt, machineInfo, now, startRun, writeUnless } from './report';

const ROUNDS = 6;
const CONCURRENCY = 10;
const PER_ROUND = 3_000;

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

/** `count` calls of `call(i)`, CONCURRENCY at a time; calls per second. */
async function rate(count: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await call(next++);
    }),
  );
  return (count / (now() - started)) * 1000;
}

export async function run(): Promise<BenchResult> {
  const url = benchDatabaseUrl();
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(url).hostname)) throw new Error('BENCH_DATABASE_URL must be loopback');
  const schema = `bench_prepared_${process.pid}`;
  await adminQuery(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  const migrated = openPostgres(url, { searchPath: schema });
  await migrateToLatest(migrated.db, taxonomySeed);
  await migrated.close();

  const pools = { plain: newPool(url, schema), named: newPool(url, schema) };
  const dbs: Record<Mode, Kysely<Database>> = {
    plain: new Kysely<Database>({ dialect: new PostgresDialect({ pool: pools.plain }) }),
    named: new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pools.named) }) }),
  };
  const figures: Record<Mode, { signUp: number[]; claim: number[] }> = {
    plain: { signUp: [], claim: [] },
    named: { signUp: [], claim: [] },
  };
  let serial = 0;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const clockRun = startRun();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order: Mode[] = round % 2 === 0 ? ['plain', 'named'] : ['named', 'plain'];
      for (const mode of order) {
        const db = dbs[mode];
        const signUpRate = await rate(PER_ROUND, () => {
          const n = serial++;
          const at = new Date(clock);
          return signUp(db, {
            email: `bench-${n}@example.org`,
            emailHash: `hash-${n}`,
            choices: { countries: ['KAZ'], regions: [], categories: [], frequency: 'weekly', timezone: 'UTC', skip_empty: true },
            consentSource: 'api',
            now: at,
            noticeDueBefore: new Date(clock - 60_000),
            limits: [
              { key: `ip:${n % 997}`, points: 1_000_000, durationMs: 3_600_000 },
              { key: `address:hash-${n}`, points: 5, durationMs: 3_600_000 },
            ],
          });
        });
        // Every claim sees the leases before it run out: it takes the oldest batch again.
        const claimRate = await rate(PER_ROUND, () => {
          clock += 1_000;
          return claimDueNotices(db, { owner: 'bench-claim', now: new Date(clock), leaseUntil: new Date(clock + 1), limit: 100 });
        });
        figures[mode].signUp.push(signUpRate);
        figures[mode].claim.push(claimRate);
        console.log(`round ${round + 1} ${mode}: sign-up ${fmtInt(signUpRate)}/s, notice claim ${fmtInt(claimRate)}/s`);
      }
    }
  } finally {
    await Promise.all([dbs.plain.destroy(), dbs.named.destroy()]);
    await adminQuery(url, `drop schema if exists ${schema} cascade`).catch(() => undefined);
  }
  return report(figures, clockRun.finish());
}

function newPool(url: string, schema: string): pg.Pool {
  return new pg.Pool({ connectionString: url, max: CONCURRENCY, options: `-c search_path=${schema}` });
}

function report(figures: Record<Mode, { signUp: number[]; claim: number[] }>, run: BenchResult['run']): BenchResult {
  const row = (name: string, plain: number[], named: number[]) => {
    const gain = median(named) / median(plain) - 1;
    return [
      name,
      fmtInt(median(plain)),
      fmtInt(median(named)),
      `${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(1)}%`,
      plain.map(fmtInt).join(', '),
      named.map(fmtInt).join(', '),
    ];
  };
  return {
    section: 'Prepared statements',
    command: 'npm run bench -- prepared-statements',
    machine: machineInfo(),
    run,
    write: writeUnless(false, ''),
    blocks: [
      `The real query functions through a pg pool of ${CONCURRENCY} at a concurrency of ${CONCURRENCY} on PostgreSQL (127.0.0.1), ${fmtInt(PER_ROUND)} calls per statement, mode and round, ${ROUNDS} rounds with the order of the two modes alternating. "Named" sends pg's query config \`{ name, text, values }\` (parsed and planned once per connection); "plain" sends the same text unnamed.`,
      {
        columns: cols('statement', '>plain, median /s', '>named, median /s', '>named vs plain', 'plain, per round', 'named, per round'),
        rows: [
          row('sign-up (`signUp`, new address)', figures.plain.signUp, figures.named.signUp),
          row('notice claim (`claimDueNotices`, up to 100)', figures.plain.claim, figures.named.claim),
        ],
      },
      DECISION,
    ],
  };
}
