import type { Db } from '../db/database';
import { advisoryUnlock, tryAdvisoryLock } from '../db/locks';

/** Names of the singleton jobs this process is running now. */
export type ProcessLocks = Set<string>;

export const createProcessLocks = (): ProcessLocks => new Set();

export interface SingletonDeps {
  db: Db;
  dbKind: 'postgres' | 'pglite';
  processLocks: ProcessLocks;
}

export type SingletonResult<T> = { ran: true; value: T } | { ran: false };

/**
 * Runs `work` unless another run of the same job is in progress: in this process (a local
 * guard) or, on PostgreSQL, in any instance (a session advisory lock held on one connection,
 * which `work` receives as its database). PGlite serves one process, so the local guard is all
 * it needs, and `work` gets the shared handle so HTTP requests are not held up meanwhile.
 */
export async function runSingleton<T>(deps: SingletonDeps, name: string, work: (db: Db) => Promise<T>): Promise<SingletonResult<T>> {
  if (deps.processLocks.has(name)) return { ran: false };
  deps.processLocks.add(name);
  try {
    if (deps.dbKind === 'pglite') return { ran: true, value: await work(deps.db) };
    return await deps.db.connection().execute(async (conn) => {
      if (!(await tryAdvisoryLock(conn, name))) return { ran: false } as const;
      try {
        return { ran: true, value: await work(conn) } as const;
      } finally {
        await advisoryUnlock(conn, name);
      }
    });
  } finally {
    deps.processLocks.delete(name);
  }
}
