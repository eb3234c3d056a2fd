import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../src/db/database';
import type { Deps } from '../src/services';

/**
 * Everything a request could change, in a form that compares with `toEqual`: the row count
 * and an md5 of every row of every table of the schema, the emails handed to the mailer and
 * written to the outbox, the background tasks started, the webhook pump's kicks and what the
 * test's webhook receiver got.
 */
export interface Observation {
  tables: Record<string, string>;
  mailsSent: number;
  outboxFiles: number;
  backgroundTasks: number;
  pumpKicks: number;
  webhooksReceived: number;
}

/** One query over every base table of the current schema but `exclude`: `count:md5` per table. */
async function tableChecksumQuery(db: Db, exclude: ReadonlySet<string>) {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
    order by table_name`.execute(db);
  const tables = rows.map((r) => r.table_name).filter((name) => !exclude.has(name));
  if (tables.length < 10) throw new Error(`expected the application's tables in the current schema, found ${tables.join(', ')}`);
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const literal = (name: string) => `'${name.replace(/'/g, "''")}'`;
  const text = tables
    .map(
      (name) =>
        `select ${literal(name)} as name, count(*)::text || ':' || md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as sum from ${quote(name)} t`,
    )
    .join('\nunion all\n');
  return { tables, query: sql.raw<{ name: string; sum: string }>(text) };
}

/**
 * Wraps the deps' mailer, background tasks and webhook pump with counters (the app reads
 * them from `deps` at call time) and answers `observe()`, which first waits until the
 * background work and the pump are idle, so late effects of a request are seen too.
 */
export async function observeEffects(deps: Deps, options: { dataDir: string; received: () => number; excludeTables: ReadonlySet<string> }) {
  const counts = { mailsSent: 0, backgroundTasks: 0, pumpKicks: 0 };
  const { mailer, background, webhookPump } = deps;
  deps.mailer = {
    kind: mailer.kind,
    ...(mailer.canEncrypt !== undefined ? { canEncrypt: mailer.canEncrypt } : {}),
    send: (message, sendOptions) => {
      counts.mailsSent += 1;
      return mailer.send(message, sendOptions);
    },
    sendBatch: (messages, sendOptions) => {
      counts.mailsSent += messages.length;
      return mailer.sendBatch(messages, sendOptions);
    },
  };
  const run = background.run.bind(background);
  background.run = (name, task) => {
    counts.backgroundTasks += 1;
    run(name, task);
  };
  const kick = webhookPump.kick.bind(webhookPump);
  webhookPump.kick = () => {
    counts.pumpKicks += 1;
    kick();
  };

  const { tables, query } = await tableChecksumQuery(deps.db, options.excludeTables);
  const outboxFiles = async () => {
    try {
      return (await readdir(join(options.dataDir, 'outbox'))).length;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  };

  // Every write (even one rolled back) takes a transaction id, and the snapshot's xmax moves
  // past it when it ends. Observed only once the app is idle, so while xmax is where it was
  // at the last checksum no table can have changed, and those checksums still hold. Writes
  // in other databases of a shared PostgreSQL move xmax too: that only costs a checksum.
  const nextTransactionId = sql<{ xmax: string }>`select pg_snapshot_xmax(pg_current_snapshot())::text as xmax`;
  let checksummedAt: { xmax: string; tables: Record<string, string> } | undefined;
  const stats = { observations: 0, checksums: 0 };
  const checksums = async () => {
    stats.observations += 1;
    const [{ xmax }] = (await nextTransactionId.execute(deps.db)).rows as [{ xmax: string }];
    if (checksummedAt?.xmax !== xmax) {
      stats.checksums += 1;
      const { rows } = await query.execute(deps.db);
      checksummedAt = { xmax, tables: Object.fromEntries(rows.map((r) => [r.name, r.sum])) };
    }
    return checksummedAt.tables;
  };

  return {
    tables,
    stats,
    async observe(): Promise<Observation> {
      await within(background.idle(), 'the background tasks');
      await within(webhookPump.idle(), 'the webhook pump');
      return {
        tables: await checksums(),
        ...counts,
        outboxFiles: await outboxFiles(),
        webhooksReceived: options.received(),
      };
    },
  };
}

/** A wait that fails naming what never went idle, instead of the test's timeout with no word of why. */
export async function within(idle: Promise<unknown>, what: string, ms = 20_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not go idle within ${ms / 1000} s`)), ms);
  });
  try {
    await Promise.race([idle, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The parts of two observations that differ, for a failure message. */
export function differences(before: Observation, after: Observation): string[] {
  const out: string[] = [];
  for (const [name, sum] of Object.entries(after.tables))
    if (before.tables[name] !== sum) out.push(`table ${name}: ${before.tables[name]} -> ${sum}`);
  for (const key of ['mailsSent', 'outboxFiles', 'backgroundTasks', 'pumpKicks', 'webhooksReceived'] as const) {
    if (before[key] !== after[key]) out.push(`${key}: ${before[key]} -> ${after[key]}`);
  }
  return out;
}
