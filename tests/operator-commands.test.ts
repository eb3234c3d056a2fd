import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../testkit/events';
import { migratedDataDir } from '../testkit/pglite-template';
import { type Running, runEntry } from '../testkit/process';

const running: Running[] = [];
afterAll(() => {
  for (const r of running) r.child.kill('SIGKILL');
});
const dataDir = () => mkdtempSync(join(tmpdir(), 'tracker-cli-'));
/** A data folder whose embedded database is migrated already: these commands are not about a first start. */
const migratedDir = () => migratedDataDir('tracker-cli-');
const start = (entry: string, env: Record<string, string>, args: string[] = []) => {
  const run = runEntry(entry, env, args);
  running.push(run);
  return run;
};
const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('operator commands', { timeout: 180_000 }, () => {
  it('an unknown flag prints what was wrong and the usage, exit 2, no stack trace', async () => {
    for (const [entry, usage] of [
      ['src/cli/digest.ts', 'usage: npm run digest -- [--now <ISO 8601 time>] [--dry-run]'],
      ['src/cli/detect.ts', 'usage: npm run detect'],
      ['src/cli/cleanup.ts', 'usage: npm run cleanup'],
      ['src/cli/migrate.ts', 'usage: npm run migrate'],
      ['src/cli/integrator.ts', 'usage: npm run integrator -- --create <name> | --list'],
    ] as const) {
      const run = start(entry, { DATA_DIR: dataDir() }, ['--bogus']);
      expect(await run.exited, entry).toBe(2);
      expect(run.stderr()).toContain("Unknown option '--bogus'");
      expect(run.stderr()).toContain(usage);
      noStackTrace(run.stderr());
    }
    const help = start('src/cli/digest.ts', { DATA_DIR: dataDir() }, ['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('usage: npm run digest');
  });

  it('keeps stdout for people, a line per source as it finishes, logs on stderr; a source with no valid event says so', async () => {
    const dir = migratedDir();
    const feed = join(dir, 'broken-feed.json');
    writeFileSync(feed, JSON.stringify([sampleEvent({ id: 'bad-1', country: 'Atlantis' }), sampleEvent({ id: 'bad-2', title: '' })]));
    const run = start('src/cli/detect.ts', { DATA_DIR: dir, LOG_LEVEL: 'info', SOURCE_URLS: `file://${feed}` });
    expect(await run.exited).toBe(0);
    const out = run.stdout().trim().split('\n');
    expect(
      out.every((line) => !line.startsWith('{')),
      run.stdout(),
    ).toBe(true);
    expect(out[0]).toMatch(/broken-feed\.json: NO VALID EVENTS: all 2 skipped as invalid; first skipped: event 0: country: /);
    expect(run.stderr()).toMatch(/^\{.*"msg":"detection run finished"/m);
  });

  it('a dry run says what it would send, in words that add up', async () => {
    const run = start('src/cli/digest.ts', { DATA_DIR: migratedDir() }, ['--now', '2025-02-01T09:00:00Z', '--dry-run']);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/dry run: \d+ digests due; \d+ would be sent and \d+ skipped/);
    expect(run.stdout()).toContain('Nothing was recorded or sent, so no batches were formed.');
    expect(run.stdout()).not.toMatch(/in 0 batches/);
  });

  it('a port already in use is one line naming PORT, exit 1, no stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const server = start('src/server.ts', { DATA_DIR: migratedDir(), PORT: String(port) });
      expect(await server.exited).toBe(1);
      expect(server.stderr()).toContain(`PORT: port ${port} is already in use by another process`);
      noStackTrace(server.stderr());
    } finally {
      blocker.close();
    }
  });
});
