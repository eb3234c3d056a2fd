import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type DatabaseHandle, openPglite, openPostgres } from '../src/db/connect';
import { createScratchDatabase, postgresUrl } from './db';
import { migratedDataDir } from './pglite-template';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** A temporary directory for the call, removed after it. */
export async function inTempDir<T>(prefix: string, f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in stdout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Runs a TypeScript entry point of the project with Node (through tsx), with a clean environment. */
export function runEntry(entry: string, env: Record<string, string>, args: string[] = []): Running {
  return runNode(['--import', 'tsx', entry, ...args], env);
}

/** Runs a built entry point (`dist/server.js`, `dist/cli/migrate.js`) with plain Node, as an operator would. */
export function runBuilt(entry: string, env: Record<string, string>, args: string[] = []): Running {
  return runNode([entry, ...args], env);
}

function runNode(nodeArgs: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 45_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const match = out.match(pattern);
          if (match) {
            clearInterval(poll);
            resolve(match);
          } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`did not see ${pattern}; exit ${child.exitCode}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        }, 50);
      }),
  };
}

/** Where a server process under test keeps its data, and the environment that points it there. */
export interface ServerDatabase {
  env: Record<string, string>;
  /** Opens the same data from the test (close it before a PGlite server starts on the folder again). */
  open(): Promise<DatabaseHandle>;
  /** Drops the PostgreSQL database (the data folder is left to the OS's temp cleanup). */
  drop(): Promise<void>;
}

/**
 * A data folder (prefix `tracker-<name>-`) holding an empty feed file the server polls, plus a
 * scratch PostgreSQL database when TEST_DATABASE_URL is set (else PGlite in the folder, already
 * migrated unless `empty`); `env` is the server's environment with `extra` over it: port 0,
 * info logs, the folder, the feed.
 */
export async function serverDatabase(
  name: string,
  extra: Record<string, string>,
  options: { empty?: boolean } = {},
): Promise<ServerDatabase> {
  const prefix = `tracker-${name}-`;
  const dataDir = options.empty || postgresUrl ? mkdtempSync(join(tmpdir(), prefix)) : migratedDataDir(prefix);
  const feed = join(dataDir, 'feed.json');
  writeFileSync(feed, '[]');
  const env = { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', SOURCE_URLS: pathToFileURL(feed).href, ...extra };
  if (!postgresUrl) return { env, open: () => openPglite(dataDir), drop: async () => undefined };
  const scratch = await createScratchDatabase();
  return { env: { ...env, DATABASE_URL: scratch.url }, open: async () => openPostgres(scratch.url, { max: 2 }), drop: scratch.drop };
}

/** Starts `src/server.ts` and answers once it serves, with its address. */
export async function startServer(env: Record<string, string>, running: Running[]): Promise<{ server: Running; base: string }> {
  const server = runEntry('src/server.ts', env);
  running.push(server);
  const [, base] = await server.waitFor(/running on (http:\/\/localhost:\d+)/, 90_000);
  return { server, base: base! };
}
