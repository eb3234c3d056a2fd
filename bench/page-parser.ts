/**
 * Tracker page parser throughput (issue 4, goal >= 500 country pages/s): parses the Kazakhstan
 * page as text and as HTML, BENCH_PAGES times per format (default 2,000) in each of BENCH_ROUNDS
 * passes (default 5); medians with the min-max of the passes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTrackerPage } from '../src/alerts/sources/tracker-page';
import { median } from '../testkit/stats';
import { log, spread } from './measure';
import {
  type BenchResult,
  envNumber,
  fmtInt,
  type Goal,
  goalCell,
  goalText,
  machineInfo,
  recordTable,
  startRun,
  writeUnless,
  writeUp,
} from './report';

const GOAL = 500;
const ROUNDS = envNumber('BENCH_ROUNDS', 5, 1);
const PAGES = envNumber('BENCH_PAGES', 2_000, 1);

/** The real page shared by the project (../shared/fixtures), else the demo source's copy of it (the same bytes). */
const shared = new URL('../../shared/fixtures/tracker-kazakhstan-2025-01.txt', import.meta.url);
const fixtures = {
  text: existsSync(fileURLToPath(shared)) ? shared : new URL('../src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt', import.meta.url),
  html: new URL('../tests/fixtures/tracker-kazakhstan-2025-01.html', import.meta.url),
};

/** Pages per second of one pass over one format, after 50 warm-up parses; every parse must give the page's 5 events. */
function pass(document: string, format: string): number {
  for (let i = 0; i < 50; i += 1) parseTrackerPage(document);
  const started = performance.now();
  let events = 0;
  for (let i = 0; i < PAGES; i += 1) events += parseTrackerPage(document).events.length;
  if (events !== PAGES * 5) throw new Error(`expected 5 events per ${format} page, got ${events / PAGES}`);
  return PAGES / ((performance.now() - started) / 1000);
}

export async function run(): Promise<BenchResult> {
  const clock = startRun();
  log(`page parser bench: ${ROUNDS} rounds of ${fmtInt(PAGES)} pages per format`);
  const formats = (['text', 'html'] as const).map((format) => {
    const document = readFileSync(fixtures[format], 'utf8');
    return { format, name: format === 'text' ? 'Text' : 'HTML', document, bytes: Buffer.byteLength(document), rates: [] as number[] };
  });
  for (let round = 1; round <= ROUNDS; round++) {
    for (const f of formats) f.rates.push(pass(f.document, f.format));
    log(`  round ${round}/${ROUNDS}: ${formats.map((f) => `${f.format} ${fmtInt(f.rates.at(-1)!)} pages/s`).join(', ')}`);
  }
  const results = formats.map((f) => {
    const goal: Goal = { value: median(f.rates), op: '>=', target: GOAL, show: fmtInt, unit: ' pages/s' };
    return { ...f, rate: goal.value, goal, text: goalText(goal) };
  });
  const table = recordTable(results, {
    format: (r) => (r.format === 'text' ? 'text of the page' : 'HTML (htmlparser2)'),
    '>page size': (r) => `${(r.bytes / 1024).toFixed(1)} KiB`,
    '>pages/s (median)': (r) => fmtInt(r.rate),
    '>rounds (min-max pages/s)': (r) => spread(r.rates),
    '>ms per page': (r) => (1000 / r.rate).toFixed(3),
    '>MB/s': (r) => ((r.rate * r.bytes) / 1e6).toFixed(1),
    goal: (r) => `${goalCell(r.goal)} (${(r.rate / GOAL).toFixed(1)}x)`,
  });
  return {
    section: 'Page parser (issue 4)',
    command: 'npm run bench -- page-parser        # BENCH_PAGES=200 BENCH_ROUNDS=1 for a quick pass (no file written)',
    machine: machineInfo(),
    run: clock.finish(),
    write: writeUnless(PAGES !== 2_000, 'BENCH_PAGES'),
    blocks: writeUp('page-parser', { pages: fmtInt(PAGES), rounds: ROUNDS, goal: GOAL, results }, { rates: table }),
  };
}
