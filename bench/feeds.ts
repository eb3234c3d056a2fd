/**
 * Issue 15: GET /v1/changes and the Atom feed under load (autocannon in its own process) beside
 * /healthz in the same rounds, and again as conditional requests answered 304 (bench/text/feeds.md).
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp } from '../src/app';
import { countries } from '../src/taxonomy/countries';
import { createBenchDeps } from '../testkit/bench-deps';
import { benchDatabaseUrl, freshSchema } from '../testkit/db-targets';
import { ingestInputs, sampleEvent } from '../testkit/events';
import { projectRoot } from '../testkit/process';
import { median } from '../testkit/stats';
import { cpuMsSince, interleaved, log, spread } from './measure';
import * as report from './report';

const EVENTS = report.envNumber('BENCH_FEED_EVENTS', 5_000, 100);
const SECONDS = report.envNumber('BENCH_FEED_SECONDS', 2, 1);
const ROUNDS = 6;
const CONNECTIONS = 10;
const MISSES = 40;

export async function run(): Promise<report.BenchResult> {
  const { handle, drop } = await freshSchema(benchDatabaseUrl(), 'bench_feeds', { max: 10 });
  const deps = createBenchDeps(handle, { PUBLIC_BASE_URL: 'https://alerts.example.org' });
  const places = countries.slice(0, 20).map((c) => c.id);
  const events = Array.from({ length: EVENTS }, (_, i) => sampleEvent({ country: places[i % 20]!, watchFlag: (i % 1000) % 7 === 0 }));
  await ingestInputs(deps, events, 1000);
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const etagOf = async (path: string) => (await fetch(origin + path)).headers.get('etag')!;
  const changes = `/v1/changes?after=${Math.floor(EVENTS / 2)}&country=${places[3]}&limit=100`;
  const atom = `/feeds/changes.atom?country=${places[3]},${places[4]}`;
  const scenarios = [
    { name: '/healthz', path: '/healthz', headers: {} },
    { name: 'GET /v1/changes (one country, 100 a page)', path: changes, headers: {} },
    { name: 'Atom feed (two countries, 50 entries)', path: atom, headers: {} },
    { name: 'GET /v1/changes with its ETag (304)', path: changes, headers: { 'if-none-match': await etagOf(changes) } },
    { name: 'Atom feed with its ETag (304)', path: atom, headers: { 'if-none-match': await etagOf(atom) } },
  ].map((s) => ({ ...s, rates: [] as number[], cpuUs: [] as number[], statuses: new Set<string>() }));
  log(`feeds bench: ${report.fmtInt(EVENTS)} changes on PostgreSQL, ${SECONDS} s per scenario and round, ${CONNECTIONS} connections`);
  type Scenario = (typeof scenarios)[number];
  const cannon = async (s: Scenario, seconds: number) => {
    const headers = Object.entries(s.headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
    const args = ['-j', '-c', String(CONNECTIONS), '-d', String(seconds), ...headers, origin + s.path];
    const cpu = process.cpuUsage();
    const { stdout } = await promisify(execFile)(`${projectRoot}/node_modules/.bin/autocannon`, args, { maxBuffer: 1 << 24 });
    const cpuMs = cpuMsSince(cpu);
    const result = JSON.parse(stdout) as { requests: { average: number; total: number }; statusCodeStats?: Record<string, unknown> };
    return {
      rate: result.requests.average,
      cpuUs: (cpuMs * 1000) / result.requests.total,
      statuses: Object.keys(result.statusCodeStats ?? {}),
    };
  };
  // Not timed: one second of each, so the first round does not pay for JIT warm-up.
  for (const s of scenarios) await cannon(s, 1);
  await interleaved(ROUNDS, scenarios, async (s) => {
    const { rate, cpuUs, statuses } = await cannon(s, SECONDS);
    s.rates.push(rate);
    s.cpuUs.push(cpuUs);
    for (const code of statuses) s.statuses.add(code);
    log(`  ${s.name}: ${report.fmtInt(rate)}/s, ${cpuUs.toFixed(0)} µs CPU a request`);
  });
  // What an answer not in the feed cache costs: distinct cursors (each its own ETag), one at a time, in-process.
  const missMs: Record<string, number> = {};
  for (const [name, pathOf] of [
    ['GET /v1/changes', (i: number) => `/v1/changes?after=${i}&country=${places[3]}&limit=100`],
    ['Atom feed', (i: number) => `/feeds/changes.atom?country=${places[3]},${places[(5 + i) % 20]}`],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < MISSES; i++) {
      const path = pathOf(name === 'Atom feed' ? i : i * 7);
      deps.feedCache.changed(); // a fresh head read too, as after an append
      const started = performance.now();
      const res = await app.request(path);
      await res.arrayBuffer();
      times.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    }
    missMs[name] = median(times);
    log(`  ${name}, not cached: median ${missMs[name]!.toFixed(1)} ms`);
  }
  server.close();
  await handle.close();
  await drop();

  const healthz = scenarios[0]!;
  const ratio = (s: Scenario) => median(s.rates.map((rate, round) => rate / healthz.rates[round]!));
  const goalOf = (s: Scenario): report.Goal | undefined =>
    s === healthz ? undefined : report.atLeast(ratio(s), s.name.includes('304') ? 0.9 : 0.5);
  const table = report.recordTable(scenarios, {
    request: (s) => s.name,
    statuses: (s) => [...s.statuses].join(', '),
    [`>requests/s (median of ${ROUNDS})`]: (s) => report.fmtInt(median(s.rates)),
    '>rounds': (s) => spread(s.rates),
    '>of /healthz (median of rounds)': (s) => report.fmtRatio(ratio(s)),
    '>server CPU a request': (s) => `${report.fmtInt(median(s.cpuUs))} µs`,
    goal: (s) => (goalOf(s) ? report.goalCell(goalOf(s)!) : ''),
  });
  return {
    section: 'Feed throughput (issue 15)',
    command: 'npm run bench -- feeds     # BENCH_FEED_EVENTS=500 BENCH_FEED_SECONDS=2 for a quick pass (no file written)',
    write: report.writeUnless(EVENTS !== 5_000 || SECONDS !== 2, 'BENCH_FEED_EVENTS or BENCH_FEED_SECONDS'),
    body: report.writeUp(
      'feeds',
      {
        events: report.fmtInt(EVENTS),
        seconds: SECONDS,
        rounds: ROUNDS,
        connections: CONNECTIONS,
        misses: MISSES,
        changesMiss: missMs['GET /v1/changes']!.toFixed(1),
        atomMiss: missMs['Atom feed']!.toFixed(1),
      },
      { results: table },
    ),
  };
}
