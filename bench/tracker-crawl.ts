/**
 * Issue 16: the tracker-site crawl over 173 country pages served on 127.0.0.1 (the Kazakhstan
 * page's size and shape, ETags), politeness delay 0, on PostgreSQL: first crawl, all-304, one
 * page changed; and per-page parse time of both page kinds. Workload: bench/text/tracker-crawl.md.
 *
 *   npm run bench -- tracker-crawl        # BENCH_WRITE=0 to leave BENCHMARKS.md alone
 */
import { readFileSync } from 'node:fs';
import { runDetection } from '../src/alerts/detector/run-detection';
import { parseTrackerPage } from '../src/alerts/sources/tracker-page';
import { createBenchDeps } from '../testkit/bench-deps';
import { benchDatabaseUrl, freshSchema, postgresVersion } from '../testkit/db-targets';
import { rowsCell, rowsWrittenSince, snapshotRows } from '../testkit/rows-written';
import { countryPageHtml } from '../testkit/tracker-site';
import { startTrackerSiteProcess } from '../testkit/tracker-site-process';
import { inTempDir } from './measure';
import { type BenchResult, type Goal, goalText, machineInfo, pct, recordTable, startRun, writeUnless, writeUp } from './report';

const CRAWLS = ['first crawl', 'all 304', 'one page changed'] as const;
const PARSE_ITERATIONS = 500;

function parseMs(file: string): number {
  const page = readFileSync(new URL(`../tests/fixtures/${file}`, import.meta.url), 'utf8');
  for (let i = 0; i < 50; i += 1) parseTrackerPage(page);
  const started = performance.now();
  for (let i = 0; i < PARSE_ITERATIONS; i += 1) parseTrackerPage(page);
  return (performance.now() - started) / PARSE_ITERATIONS;
}

export async function run(): Promise<BenchResult> {
  const clock = startRun();
  const url = benchDatabaseUrl();
  const site = await startTrackerSiteProcess();
  const { handle, drop } = await freshSchema(url, `bench_tracker_crawl_${process.pid}`);
  const records = await inTempDir('tracker-bench-crawl-', async (dataDir) => {
    const deps = createBenchDeps(handle, { DATA_DIR: dataDir, TRACKER_BASE_URL: site.baseUrl, TRACKER_DELAY_MS: '0' });
    const out = [];
    for (const crawl of CRAWLS) {
      if (crawl === 'one page changed') await site.setPage('kenya', countryPageHtml('Kenya').replace('two months', 'three months'));
      const before = await snapshotRows(handle.db);
      const siteBefore = await site.stats();
      const cpu = process.cpuUsage();
      const started = performance.now();
      const outcome = await runDetection(deps, 'cli');
      const wallMs = performance.now() - started;
      const { user, system } = process.cpuUsage(cpu);
      const siteAfter = await site.stats();
      const siteCpuMs = (siteAfter.cpuMicros - siteBefore.cpuMicros) / 1000;
      const requests = siteAfter.requests.slice(siteBefore.requests.length).filter((q) => q.path !== '/robots.txt');
      const rows = await rowsWrittenSince(handle.db, before);
      if (!outcome.ran || outcome.run.status !== 'succeeded') throw new Error(`${crawl}: the run did not succeed`);
      out.push({
        crawl,
        wallMs,
        cpuMs: (user + system) / 1000,
        siteCpuMs,
        bytes: requests.reduce((n, r) => n + r.bytes, 0),
        requests,
        rows,
      });
    }
    return out;
  });
  await handle.close();
  await drop();
  await site.close();
  const [first, all304, changed] = records as [(typeof records)[0], (typeof records)[0], (typeof records)[0]];
  const goals: Record<string, Goal> = {
    rows304: { value: all304.rows.total, op: '=', target: 0, unit: ' rows' },
    cpu304: { value: all304.cpuMs / first.cpuMs, op: '<', target: 0.05, show: (n) => pct(n) },
    cpu304WithSite: {
      value: (all304.cpuMs + all304.siteCpuMs) / (first.cpuMs + first.siteCpuMs),
      op: '<',
      target: 0.05,
      show: (n) => pct(n),
    },
    changedRows: { value: changed.rows.total, op: '=', target: 2, unit: ' rows (1 event update + 1 change)' },
  };
  const parse = { country: parseMs('tracker-kazakhstan-2025-01.html'), report: parseMs('tracker/report-kazakhstan-january-2025.html') };
  const table = recordTable(records, {
    crawl: (r) => r.crawl,
    '>pages 200 / 304': (r) =>
      `${r.requests.filter((q) => q.status === 200).length} / ${r.requests.filter((q) => q.status === 304).length}`,
    '>wall time': (r) => `${(r.wallMs / 1000).toFixed(2)} s`,
    '>CPU time (crawler)': (r) => `${(r.cpuMs / 1000).toFixed(3)} s`,
    '>CPU time (site)': (r) => `${(r.siteCpuMs / 1000).toFixed(3)} s`,
    '>bytes parsed': (r) => `${(r.bytes / 1024).toFixed(0)} KiB`,
    '>event and change rows written': (r) => rowsCell(r.rows),
    '>job record rows (source states, runs)': (r) => `${r.rows.sourceStates} + ${r.rows.detectionRuns}`,
  });
  const view = {
    postgres: await postgresVersion(url).catch(() => 'PostgreSQL'),
    goals: Object.fromEntries(Object.entries(goals).map(([k, g]) => [k, goalText(g)])),
    parseCountry: parse.country.toFixed(3),
    parseReport: parse.report.toFixed(3),
  };
  return {
    section: 'Tracker crawl (issue 16)',
    command: 'npm run bench -- tracker-crawl',
    machine: machineInfo(),
    run: clock.finish(),
    write: writeUnless(false, ''),
    blocks: writeUp('tracker-crawl', view, { crawls: table }),
  };
}
