import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/db/database';

/** The folder that holds the run's migrated PGlite template (set by the global setup below). */
const templateVariable = 'TEST_PGLITE_TEMPLATE';

/**
 * Vitest global setup: on PGlite, run initdb and every migration once for the whole run, in a
 * data folder laid out as the app keeps it (`<DATA_DIR>/pglite`), and keep a tarball of it too
 * (PGlite's dumpDataDir). A test file's in-memory database then starts from the tarball
 * (loadDataDir), and a server or command under test from a copy of the folder, instead of
 * running initdb again, which takes seconds under load.
 * Built in a child process through tsx, as the app runs: the global setup's own module loader
 * cannot load every dependency the app imports (world-countries' JSON), so this file imports
 * the app only inside that child.
 */
export default function setup(): (() => void) | undefined {
  if (process.env.TEST_DATABASE_URL) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tracker-pglite-template-'));
  execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), dir], { stdio: 'inherit' });
  process.env[templateVariable] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

const tarballIn = (dir: string) => join(dir, 'migrated.tar');
const dataDirIn = (dir: string) => join(dir, 'data');

/** The migrated data folder as a tarball for loadDataDir, if this run has a template. */
export function migratedTemplate(): Blob | undefined {
  const dir = process.env[templateVariable];
  return dir ? new Blob([readFileSync(tarballIn(dir))]) : undefined;
}

/**
 * A new DATA_DIR (`prefix` names it) whose embedded database is already migrated, when this run
 * has a template; else an empty one, where the app runs initdb and the migrations itself.
 * For tests about what a process does with its data, not about a first start.
 */
export function migratedDataDir(prefix: string): string {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const template = process.env[templateVariable];
  if (template && existsSync(dataDirIn(template))) cpSync(dataDirIn(template), dataDir, { recursive: true });
  return dataDir;
}

async function writeMigratedTemplate(dir: string): Promise<void> {
  const { Kysely, PGliteDialect } = await import('kysely');
  const { PGlite } = await import('@electric-sql/pglite');
  const { migrateToLatest } = await import('../src/db/migrate');
  const { taxonomySeed } = await import('../src/taxonomy/seed');
  // The folder openPglite(DATA_DIR) opens; the lock files beside it stay each copy's own.
  mkdirSync(dataDirIn(dir));
  const pglite = new PGlite(join(dataDirIn(dir), 'pglite'));
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db, taxonomySeed);
  const tarball = await pglite.dumpDataDir('none');
  await db.destroy();
  writeFileSync(tarballIn(dir), new Uint8Array(await tarball.arrayBuffer()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeMigratedTemplate(process.argv[2]!);
