import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/db/database';

/** Where the suite's migrated PGlite data folder is kept for the run (set by the global setup below). */
const templateVariable = 'TEST_PGLITE_TEMPLATE';

/**
 * Vitest global setup: on PGlite, run initdb and every migration once for the whole run and keep
 * the data folder as a tarball (PGlite's dumpDataDir). Each test file's database then starts
 * from a copy of it (loadDataDir) instead of running initdb again, which takes seconds under load.
 * Built in a child process through tsx, as the app runs: the global setup's own module loader
 * cannot load every dependency the app imports (world-countries' JSON), so this file imports
 * the app only inside that child.
 */
export default function setup(): (() => void) | undefined {
  if (process.env.TEST_DATABASE_URL) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tracker-pglite-template-'));
  const file = join(dir, 'migrated.tar');
  execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), file], { stdio: 'inherit' });
  process.env[templateVariable] = file;
  return () => rmSync(dir, { recursive: true, force: true });
}

/** The migrated data folder kept by the global setup, if this run has one. */
export function migratedTemplate(): Blob | undefined {
  const file = process.env[templateVariable];
  return file ? new Blob([readFileSync(file)]) : undefined;
}

async function writeMigratedTemplate(file: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { Kysely, PGliteDialect } = await import('kysely');
  const { migrateToLatest } = await import('../src/db/migrate');
  const { taxonomySeed } = await import('../src/taxonomy/seed');
  const pglite = new PGlite();
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db, taxonomySeed);
  const tarball = await pglite.dumpDataDir('none');
  await db.destroy();
  writeFileSync(file, new Uint8Array(await tarball.arrayBuffer()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeMigratedTemplate(process.argv[2]!);
