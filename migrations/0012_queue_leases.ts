import { type Kysely, sql } from 'kysely';

/**
 * Every queue table carries the same lease columns, so one queue module (src/db/queue/) claims,
 * completes, retries, fails and hands back rows of any of them:
 *   attempts, next_attempt_at (when it is due), locked_by (lease owner), locked_until, last_error.
 * Sign-up notices gain their lease owner. Digest batches gain a due time: a batch put off for
 * later was kept leased until then; it is now released and due then, like the other queues.
 * Batches queued before this migration keep their lease, which still holds them until it ends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('signup_notices').addColumn('locked_by', 'text').execute();
  await db.schema.alterTable('digest_batches').addColumn('next_attempt_at', 'timestamptz').execute();
  await sql`update digest_batches set next_attempt_at = created_at`.execute(db);
  await db.schema
    .alterTable('digest_batches')
    .alterColumn('next_attempt_at', (col) => col.setNotNull())
    .execute();
  await db.schema.dropIndex('digest_batches_sending_idx').execute();
  await db.schema
    .createIndex('digest_batches_due_idx')
    .on('digest_batches')
    .columns(['next_attempt_at', 'id'])
    .where(sql.ref('status'), '=', 'sending')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('digest_batches_due_idx').execute();
  // A batch put off for later stays held until then, as before.
  await sql`update digest_batches set locked_until = next_attempt_at where status = 'sending' and locked_until is null`.execute(db);
  await db.schema.alterTable('digest_batches').dropColumn('next_attempt_at').execute();
  await db.schema
    .createIndex('digest_batches_sending_idx')
    .on('digest_batches')
    .column('locked_until')
    .where(sql.ref('status'), '=', 'sending')
    .execute();
  await db.schema.alterTable('signup_notices').dropColumn('locked_by').execute();
}
