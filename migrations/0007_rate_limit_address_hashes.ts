import { type Kysely, sql } from 'kysely';

/**
 * Sign-up rate limits per address used to be keyed by the address itself, so an address
 * stayed in `rate_limits` (for up to an hour) after its owner unsubscribed. They are keyed by
 * the address's keyed hash now; the old counters are dropped (they only reset those limits).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from rate_limits where key like 'signupPerAddress:%@%'`.execute(db);
}

export async function down(): Promise<void> {
  // Nothing to restore: the deleted counters were short-lived by design.
}
