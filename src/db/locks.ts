import { sql } from 'kysely';
import type { Db } from './database';

/**
 * Session-level advisory locks, keyed by a job name. The caller must run lock, work and
 * unlock on one connection (`db.connection().execute(...)`); the server releases the lock
 * by itself if the process dies.
 */
export async function tryAdvisoryLock(conn: Db, name: string): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext(${name})) as locked`.execute(conn);
  return rows[0]?.locked === true;
}

export async function advisoryUnlock(conn: Db, name: string): Promise<void> {
  await sql`select pg_advisory_unlock(hashtext(${name}))`.execute(conn);
}
