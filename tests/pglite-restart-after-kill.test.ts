import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../src/db/connect';
import { migratedDataDir } from '../testkit/pglite-template';
import { type Running, runEntry } from '../testkit/process';

const running: Running[] = [];
afterAll(() => {
  for (const r of running) r.child.kill('SIGKILL');
});

describe('the embedded database after its process was killed', () => {
  it('is taken over at once when the holder is gone, and still refused while it lives', { timeout: 240_000 }, async () => {
    const dataDir = migratedDataDir('tracker-alerts-kill9-');
    const server = runEntry('src/server.ts', { PORT: '0', DATA_DIR: dataDir });
    running.push(server);
    await server.waitFor(/API docs: (http:\/\/localhost:\d+)\/docs/, 150_000);

    await expect(openPglite(dataDir)).rejects.toThrow(/Another process is using the embedded database/);

    server.child.kill('SIGKILL');
    await server.exited;
    const reopened = await openPglite(dataDir);
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from countries`.execute(reopened.db);
      expect(rows[0]!.n).toBeGreaterThan(200);
    } finally {
      await reopened.close();
    }
  });
});
