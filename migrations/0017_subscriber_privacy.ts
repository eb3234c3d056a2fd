import { type Kysely, sql } from 'kysely';

/**
 * Privacy choices of a subscriber (issue 17): neutral subject lines, and an OpenPGP public key
 * that every email to them is encrypted to. A newly given key waits in the `openpgp_pending_*`
 * columns until its holder follows the link of a confirmation encrypted to it; only then does it
 * replace the active one. Notices gain the kind of that confirmation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('subscribers')
    .addColumn('neutral_subjects', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('openpgp_key', 'text')
    .addColumn('openpgp_fingerprint', 'text')
    .addColumn('openpgp_confirmed_at', 'timestamptz')
    .addColumn('openpgp_pending_key', 'text')
    .addColumn('openpgp_pending_fingerprint', 'text')
    .addColumn('openpgp_pending_at', 'timestamptz')
    .execute();
  await sql`alter table signup_notices drop constraint if exists signup_notices_kind_check`.execute(db);
  await sql`alter table signup_notices add constraint signup_notices_kind_check check (kind in ('confirm', 'manage', 'openpgp'))`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from signup_notices where kind = 'openpgp'`.execute(db);
  await sql`alter table signup_notices drop constraint if exists signup_notices_kind_check`.execute(db);
  await sql`alter table signup_notices add constraint signup_notices_kind_check check (kind in ('confirm', 'manage'))`.execute(db);
  await db.schema
    .alterTable('subscribers')
    .dropColumn('neutral_subjects')
    .dropColumn('openpgp_key')
    .dropColumn('openpgp_fingerprint')
    .dropColumn('openpgp_confirmed_at')
    .dropColumn('openpgp_pending_key')
    .dropColumn('openpgp_pending_fingerprint')
    .dropColumn('openpgp_pending_at')
    .execute();
}
