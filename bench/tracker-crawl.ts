/**
 * Issue 16: the tracker-site crawl over 173 country pages served on 127.0.0.1 (the Kazakhstan
 * page's size and shape, ETags), politeness delay 0, on PostgreSQL: first crawl, all-304, one
 * page changed (per-page parse time of both page kinds: bench/page-parser.ts). Workload:
 * bench/text/tracker-crawl.md.
 */
import { runDetection } from '../src/alerts/detector/run-detection';
import { servicesIdle } from '../src/services';
import { createBenchDeps } from '../testkit/bench-deps';
import { benchDatabaseUrl, freshSchema, postgresVersion } from '../testkit/db-targets';
import { rowsCell, rowsWrittenSince, snapshotRows } from '../testkit/rows-written';
import { median } from '../testkit/stats';
import { countryPageHtml } from '../testkit/tracker-site';
import { startTrackerSiteProcess } from '../testkit/tracker-site-process';
import { consistent, cpuMsSince, inTempDir } from './measure';
import * as report from './report';

const CRAWLS = ['first crawl', 'all 304', 'one page changed'] as const;
const SCENES = report.envNumber('BENCH_SCENES', 3, 1);

type Site = Awaited<ReturnType<typeof startTrackerSiteProcess>>;

/** One scene on a fresh schema: the three crawls back to back, each measured alone. */
async function scene(site: Site, url: string, index: number) {
  const { handle, drop } = await freshSchema(url, `bench_tracker_crawl_${process.pid}_${index}`);
  await site.setPage('kenya', countryPageHtml('Kenya'));
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
      const cpuMs = cpuMsSince(cpu);
      // The change-log consumers the crawl kicked (webhook fan-out, instant alerts) finish before the next crawl starts.
      const consumersCpu = process.cpuUsage();
      await servicesIdle(deps);
      const consumersCpuMs = cpuMsSince(consumersCpu);
      const siteAfter = await site.stats();
      const requests = siteAfter.requests.slice(siteBefore.requests.length).filter((q) => q.path !== '/robots.txt');
      if (!outcome.ran || outcome.run.status !== 'succeeded') throw new Error(`${crawl}: the run did not succeed`);
      out.push({
        crawl,
        wallMs,
        cpuMs,
        consumersCpuMs,
        siteCpuMs: (siteAfter.cpuMicros - siteBefore.cpuMicros) / 1000,
        bytes: requests.reduce((n, r) => n + r.bytes, 0),
        pages: `${requests.filter((q) => q.status === 200).length} / ${requests.filter((q) => q.status === 304).length}`,
        rows: await rowsWrittenSince(handle.db, before),
      });
    }
    return out;
  });
  await handle.close();
  await drop();
  return records;
}

export async function run(): Promise<report.BenchResult> {
  const url = benchDatabaseUrl();
  const site = await startTrackerSiteProcess();
  const scenes: Awaited<ReturnType<typeof scene>>[] = [];
  for (let i = 1; i <= SCENES; i += 1) scenes.push(await scene(site, url, i));
  await site.close();
  // Per crawl, the median of the scenes' times; pages, bytes and rows are the same in every scene (else shown apart).
  const records = CRAWLS.map((crawl, i) => {
    const runs = scenes.map((s) => s[i]!);
    const mid = (pick: (r: (typeof runs)[0]) => number) => median(runs.map(pick));
    return {
      crawl,
      wallMs: mid((r) => r.wallMs),
      cpuMs: mid((r) => r.cpuMs),
      consumersCpuMs: mid((r) => r.consumersCpuMs),
      siteCpuMs: mid((r) => r.siteCpuMs),
      pages: consistent(runs, (r) => r.pages),
      bytes: consistent(runs, (r) => `${(r.bytes / 1024).toFixed(0)} KiB`),
      rows: consistent(runs, (r) => rowsCell(r.rows)),
      jobRows: consistent(runs, (r) => `${r.rows.sourceStates} + ${r.rows.detectionRuns}`),
      totals: runs.map((r) => r.rows.total),
    };
  });
  const cpu = (r: (typeof scenes)[number][number], withSite: boolean) => r.cpuMs + (withSite ? r.siteCpuMs : 0);
  const ratios = (withSite: boolean) => scenes.map(([first, all304]) => cpu(all304!, withSite) / cpu(first!, withSite));
  const sameEverywhere = (totals: number[]) => (new Set(totals).size === 1 ? totals[0]! : Number.NaN);
  const goals: Record<string, report.Goal> = {
    rows304: { value: sameEverywhere(records[1]!.totals), op: '=', target: 0, unit: ' rows' },
    cpu304: { value: median(ratios(false)), op: '<', target: 0.05, show: (n) => report.pct(n) },
    cpu304WithSite: { value: median(ratios(true)), op: '<', target: 0.05, show: (n) => report.pct(n) },
    changedRows: { value: sameEverywhere(records[2]!.totals), op: '=', target: 2, unit: ' rows (1 event update + 1 change)' },
  };
  const table = report.recordTable(records, {
    crawl: (r) => r.crawl,
    '>pages 200 / 304': (r) => r.pages,
    '>wall time': (r) => `${(r.wallMs / 1000).toFixed(2)} s`,
    '>CPU time (crawler)': (r) => `${(r.cpuMs / 1000).toFixed(3)} s`,
    '>CPU time (change-log consumers after it)': (r) => `${(r.consumersCpuMs / 1000).toFixed(3)} s`,
    '>CPU time (site)': (r) => `${(r.siteCpuMs / 1000).toFixed(3)} s`,
    '>bytes parsed': (r) => r.bytes,
    '>event and change rows written': (r) => r.rows,
    '>job record rows (source states, runs)': (r) => r.jobRows,
  });
  const view = {
    postgres: await postgresVersion(url).catch(() => 'PostgreSQL'),
    scenes: SCENES,
    ratios: report.pcts(ratios(false)),
    goals: Object.fromEntries(Object.entries(goals).map(([k, g]) => [k, report.goalText(g)])),
  };
  return {
    section: 'Tracker crawl (issue 16)',
    command: 'npm run bench -- tracker-crawl',
    write: report.writeUnless(false, ''),
    body: report.writeUp('tracker-crawl', view, { crawls: table }),
  };
}
