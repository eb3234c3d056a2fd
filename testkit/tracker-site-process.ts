import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TrackerSiteRequest } from './tracker-site';

type Reply = { id: number; requests?: TrackerSiteRequest[]; cpuMicros?: number };

/**
 * The local tracker site (testkit/tracker-site.ts) in a process of its own, so that a bench's
 * `process.cpuUsage()` is the crawler's alone; the site reports its own CPU time.
 */
export async function startTrackerSiteProcess() {
  const child: ChildProcess = fork(fileURLToPath(new URL('./tracker-site-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { baseUrl: string }).baseUrl));
    child.once('exit', (code) => reject(new Error(`tracker site process exited (${code})`)));
  });
  let next = 0;
  const ask = (message: object) =>
    new Promise<Reply>((resolve) => {
      const id = ++next;
      const onMessage = (m: unknown) => {
        if ((m as Reply).id !== id) return;
        child.off('message', onMessage);
        resolve(m as Reply);
      };
      child.on('message', onMessage);
      child.send({ ...message, id });
    });
  return {
    baseUrl,
    setPage: async (slug: string, html: string) => void (await ask({ op: 'setPage', slug, html })),
    /** Every request served so far, and the site process's CPU time (user + system, µs). */
    stats: async () => {
      const reply = await ask({ op: 'stats' });
      return { requests: reply.requests!, cpuMicros: reply.cpuMicros! };
    },
    close: async () => {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
