import { describe, expect, it } from 'vitest';
import { createLifecycle, type ShutdownTarget } from '../src/lifecycle';
import { createTestApp } from '../testkit/app';

/**
 * The Node runtime's shutdown, in-process: what `handleSignals` registers for SIGTERM is called
 * directly (never `process.emit`, which would reach the test runner's own handlers), with a
 * server, jobs, mailer and database that note when they are stopped. The process-level drain
 * (real signals, exit codes) is in process-lifecycle.test.ts.
 */
describe('shutdown on SIGTERM', () => {
  it('stops the jobs, closes the HTTP server, then the mailer (the SMTP pool), then the database pool, and exits 0', async () => {
    const t = await createTestApp();
    const order: string[] = [];
    let exit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => {
      exit = resolve;
    });
    const target: ShutdownTarget = {
      deps: { ...t.deps, mailer: { ...t.deps.mailer, close: async () => void order.push('mailer') } },
      database: { close: async () => void order.push('database') },
      server: {
        close: (done) => {
          order.push('server');
          done?.();
        },
      },
      jobs: { stop: async () => void order.push('jobs'), idle: async () => undefined },
      exit,
    };
    const lifecycle = createLifecycle();
    const before = new Set(process.listeners('SIGTERM'));
    const beforeInt = new Set(process.listeners('SIGINT'));
    lifecycle.handleSignals(target);
    const added = process.listeners('SIGTERM').filter((l) => !before.has(l));
    try {
      expect(added).toHaveLength(1);
      expect(lifecycle.accepting()).toBe(true);
      added[0]!('SIGTERM');
      expect(lifecycle.accepting()).toBe(false);
      expect(await exited).toBe(0);
      expect(order).toEqual(['jobs', 'server', 'mailer', 'database']);
    } finally {
      for (const l of added) process.removeListener('SIGTERM', l);
      for (const l of process.listeners('SIGINT').filter((l) => !beforeInt.has(l))) process.removeListener('SIGINT', l);
      await t.close();
    }
  });
});
