import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Running, runEntry } from '../testkit/process';

const dataDir = mkdtempSync(join(tmpdir(), 'tracker-alerts-start-'));
const running: Running[] = [];
afterAll(() => {
  for (const r of running) r.child.kill('SIGKILL');
});

describe('npm start on a fresh machine (embedded PGlite)', () => {
  it('migrates, serves, prints the docs URL, shows the demo events, guards its data folder and stops cleanly', async () => {
    const server = runEntry('src/server.ts', { PORT: '0', DATA_DIR: dataDir });
    running.push(server);
    const [, base] = await server.waitFor(/API docs: (http:\/\/localhost:\d+)\/docs/);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    // The demo subscribers are seeded, and the banner says so.
    expect(server.stdout()).toContain('demo: 3 sample subscribers (demo-*@example.org, confirmed) are seeded');

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const countries = (await (await fetch(`${base}/v1/countries`)).json()) as { data: unknown[] };
    expect(countries.data.length).toBe(173);
    expect((await fetch(`${base}/docs`)).status).toBe(200);

    // The first detection run (at start-up) brings the bundled demo source in.
    let events: { data: { country: string; url?: string | null }[] } = { data: [] };
    for (let i = 0; i < 100 && events.data.length === 0; i++) {
      events = (await (await fetch(`${base}/v1/events?limit=100`)).json()) as typeof events;
      if (events.data.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(events.data.filter((e) => e.country === 'KAZ')).toHaveLength(5);
    expect(new Set(events.data.map((e) => e.country)).size).toBeGreaterThanOrEqual(5);
    // "Read the report" opens the tracker, not the JSON API.
    expect(events.data.filter((e) => !e.url?.startsWith('https://www.idea.int/democracytracker/'))).toEqual([]);

    // A second process on the same data folder would corrupt PGlite: it must refuse to start.
    const second = runEntry('src/server.ts', { PORT: '0', DATA_DIR: dataDir });
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain('Another process is using the embedded database');

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('npm run migrate brings a data folder to the latest schema and exits 0', async () => {
    const migrate = runEntry('src/cli/migrate.ts', { DATA_DIR: mkdtempSync(join(tmpdir(), 'tracker-alerts-migrate-')) });
    running.push(migrate);
    expect(await migrate.exited).toBe(0);
    expect(migrate.stdout()).toContain('latest migration');
  });
});
