/**
 * The local tracker site (tracker-site.ts) in a process of its own, so that a bench's
 * `process.cpuUsage()` is the crawler's alone; the site reports its own CPU time.
 */
import { fileURLToPath } from 'node:url';
import { serveCommands, startServed } from './ipc';
import { startTrackerSite, type TrackerSiteRequest } from './tracker-site';

export async function startTrackerSiteProcess() {
  const site = await startServed<string>(fileURLToPath(import.meta.url), { args: ['--child'] });
  return {
    baseUrl: site.hello,
    setPage: (slug: string, html: string) => site.ask<void>('setPage', { slug, html }),
    /** Every request served so far, and the site process's CPU time (user + system, µs). */
    stats: () => site.ask<{ requests: TrackerSiteRequest[]; cpuMicros: number }>('stats'),
    close: site.close,
  };
}

if (process.argv.includes('--child') && process.argv[1] === fileURLToPath(import.meta.url)) {
  void startTrackerSite().then((site) =>
    serveCommands(
      {
        setPage: ({ slug, html }: { slug: string; html: string }) => site.setPage(slug, html),
        stats: () => ({ requests: site.requests, cpuMicros: ((u) => u.user + u.system)(process.cpuUsage()) }),
      },
      site.baseUrl,
    ),
  );
}
