import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import lockfile from 'proper-lockfile';
import type { Database } from './database';
import { type DatabaseHandle, openPostgres } from './postgres';

export { type DatabaseHandle, openPostgres } from './postgres';

/**
 * PGlite is single-process: two processes opening one data folder corrupt it. A lock in
 * DATA_DIR makes the second process fail at start-up with a clear message instead. The lock
 * names its holder (host and pid, beside it), so a restart after the holder was killed with
 * SIGKILL takes it over at once instead of waiting for it to go stale.
 */
export async function openPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  let release: (() => Promise<void>) | undefined;
  let pglite: PGlite;
  if (dataDir) {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    release = await lockDataDir(dir);
    pglite = new PGlite(join(dir, 'pglite'));
  } else {
    pglite = new PGlite();
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await db.destroy();
      await release?.();
    },
  };
}

async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockfilePath = join(dir, 'pglite.lock');
  const ownerPath = `${lockfilePath}.owner`;
  // Staleness is only the fallback for a holder on another host: on this host the holder's pid
  // decides at once. A short threshold let a second process take the lock from a live server
  // whose event loop was busy (start-up migrations on a loaded machine) for longer than it.
  const lock = () => lockfile.lock(dir, { lockfilePath, stale: 600_000, update: 30_000 });
  let release: () => Promise<void>;
  try {
    release = await lock();
  } catch {
    if (!holderIsGone(ownerPath)) throw new Error(busyMessage(dir));
    rmSync(lockfilePath, { recursive: true, force: true });
    release = await lock().catch(() => {
      throw new Error(busyMessage(dir));
    });
  }
  writeFileSync(ownerPath, `${hostname()} ${process.pid}\n`);
  return async () => {
    rmSync(ownerPath, { force: true });
    await release();
  };
}

/** True when the lock's holder was a process on this host that no longer runs. */
function holderIsGone(ownerPath: string): boolean {
  let owner: string;
  try {
    owner = readFileSync(ownerPath, 'utf8');
  } catch {
    return false;
  }
  const [host, pid] = owner.trim().split(' ');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const busyMessage = (dir: string) =>
  `Another process is using the embedded database in ${dir} (is \`npm start\` running?). Stop it first, or use the running server's admin API (POST /v1/admin/detect, POST /v1/admin/digests/run), or set DATABASE_URL to share a PostgreSQL server.`;

export async function openDatabase(config: { databaseUrl: string | undefined; dataDir: string }): Promise<DatabaseHandle> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(config.dataDir);
}
