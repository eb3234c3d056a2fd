import { sql } from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import { migrations } from '../../migrations/index';
import type { Db } from './database';
import { syncTaxonomy, type TaxonomySeed } from './taxonomy';

export class MigrationFailedError extends Error {
  constructor(
    readonly migrationName: string | undefined,
    cause: unknown,
  ) {
    super(`Migration ${migrationName ?? '(unknown)'} failed`, { cause });
    this.name = 'MigrationFailedError';
  }
}

/** Brings the schema to the latest migration, then syncs the taxonomy (`taxonomySeed` from src/taxonomy/seed.ts). Safe to run twice. */
export async function migrateToLatest(db: Db, taxonomy: TaxonomySeed): Promise<{ applied: string[] }> {
  // Kysely looks for its bookkeeping tables in every schema unless told which: name ours.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: rows[0]?.schema ?? 'public',
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new MigrationFailedError(failed?.migrationName, result.error);
  }
  await syncTaxonomy(db, taxonomy);
  return { applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
