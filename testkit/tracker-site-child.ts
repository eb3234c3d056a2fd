// The child process of tracker-site-process.ts: serves the local tracker site, answers over IPC.
import { startTrackerSite } from './tracker-site';

const site = await startTrackerSite();
process.on('message', (m: { id: number; op: 'setPage' | 'stats'; slug?: string; html?: string }) => {
  if (m.op === 'setPage') site.setPage(m.slug!, m.html!);
  const { user, system } = process.cpuUsage();
  process.send!(m.op === 'stats' ? { id: m.id, requests: site.requests, cpuMicros: user + system } : { id: m.id });
});
process.send!({ baseUrl: site.baseUrl });
