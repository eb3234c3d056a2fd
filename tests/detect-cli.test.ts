import { describe, expect, it } from 'vitest';
import { migratedDataDir } from '../testkit/pglite-template';
import { runEntry } from '../testkit/process';

describe('npm run detect', () => {
  it('prints one line per source of the demo and exits 0', async () => {
    const run = runEntry('src/cli/detect.ts', { DATA_DIR: migratedDataDir('tracker-detect-') });
    expect(await run.exited).toBe(0);
    const lines = run
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('file:'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/tracker-kazakhstan-2025-01\.txt: 5 events \(5 new/);
    expect(run.stdout()).toMatch(/run 1: succeeded/);
  });

  it('exits 1 when every source failed, naming each failure', async () => {
    const run = runEntry('src/cli/detect.ts', {
      DATA_DIR: migratedDataDir('tracker-detect-'),
      SOURCE_URLS: 'file:///nonexistent/feed.json,http://127.0.0.1:9/closed-port',
    });
    expect(await run.exited).toBe(1);
    expect(run.stdout()).toMatch(/nonexistent\/feed\.json: FAILED cannot be read/);
    expect(run.stdout()).toMatch(/closed-port: FAILED could not connect/);
    expect(run.stdout()).toMatch(/run 1: failed/);
  });
});
