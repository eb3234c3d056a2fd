/**
 * Issues 4 and 16: the tracker page parser's throughput on the Kazakhstan country page and its
 * month's report page, each as text and as HTML, in rounds; medians with the min-max of the rounds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTrackerPage } from '../src/alerts/sources/tracker-page';
import { median } from '../testkit/stats';
import { log, spread } from './measure';
import * as report from './report';

const GOAL = 500;
const ROUNDS = report.envNumber('BENCH_ROUNDS', 5, 1);
const PAGES = report.envNumber('BENCH_PAGES', 2_000, 1);

/** The real page shared by the project (../shared/fixtures), else the demo source's copy of it (the same bytes). */
const shared = new URL('../../shared/fixtures/tracker-kazakhstan-2025-01.txt', import.meta.url);
const fixture = (path: string) => new URL(`../${path}`, import.meta.url);
const documents = [
  ['country page', 'text', existsSync(fileURLToPath(shared)) ? shared : fixture('src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt')],
  ['country page', 'HTML (htmlparser2)', fixture('tests/fixtures/tracker-kazakhstan-2025-01.html')],
  ['report page', 'text', fixture('tests/fixtures/tracker/report-kazakhstan-january-2025.txt')],
  ['report page', 'HTML (htmlparser2)', fixture('tests/fixtures/tracker/report-kazakhstan-january-2025.html')],
] as const;

/** Pages per second of one pass over one document, after 50 warm-up parses; every parse must give the same events. */
function pass(document: string, events: number): number {
  for (let i = 0; i < 50; i += 1) parseTrackerPage(document);
  const started = performance.now();
  let seen = 0;
  for (let i = 0; i < PAGES; i += 1) seen += parseTrackerPage(document).events.length;
  if (seen !== PAGES * events) throw new Error(`expected ${events} events per page, got ${seen / PAGES}`);
  return PAGES / ((performance.now() - started) / 1000);
}

export async function run(): Promise<report.BenchResult> {
  log(`page parser bench: ${ROUNDS} rounds of ${report.fmtInt(PAGES)} pages per document`);
  const formats = documents.map(([page, format, file]) => {
    const document = readFileSync(file, 'utf8');
    const [events, bytes] = [parseTrackerPage(document).events.length, Buffer.byteLength(document)];
    if (events === 0) throw new Error(`${file}: no events parsed`);
    return { page, format, name: `${page}, ${format.split(' ')[0]}`, document, events, bytes, rates: [] as number[] };
  });
  for (let round = 1; round <= ROUNDS; round++) {
    for (const f of formats) f.rates.push(pass(f.document, f.events));
    log(`  round ${round}/${ROUNDS}: ${formats.map((f) => `${f.name} ${report.fmtInt(f.rates.at(-1)!)} pages/s`).join(', ')}`);
  }
  const results = formats.map((f) => {
    const goal: report.Goal = { value: median(f.rates), op: '>=', target: GOAL, show: report.fmtInt, unit: ' pages/s' };
    return { ...f, rate: goal.value, goal: f.page === 'country page' && goal };
  });
  const table = report.recordTable(results, {
    page: (r) => `${r.page} (${r.events} reports)`,
    format: (r) => r.format,
    '>page size': (r) => `${(r.bytes / 1024).toFixed(1)} KiB`,
    '>pages/s (median)': (r) => report.fmtInt(r.rate),
    '>rounds (min-max pages/s)': (r) => spread(r.rates),
    '>ms per page': (r) => (1000 / r.rate).toFixed(3),
    '>MB/s': (r) => ((r.rate * r.bytes) / 1e6).toFixed(1),
    goal: (r) => (r.goal ? `${report.goalCell(r.goal)} (${(r.rate / GOAL).toFixed(1)}x)` : ''),
  });
  return {
    section: 'Page parser (issue 4)',
    command: 'npm run bench -- page-parser        # BENCH_PAGES=200 BENCH_ROUNDS=1 for a quick pass (no file written)',
    write: report.writeUnless(PAGES !== 2_000, 'BENCH_PAGES'),
    body: report.writeUp('page-parser', { pages: report.fmtInt(PAGES), rounds: ROUNDS, goal: GOAL, results }, { rates: table }),
  };
}
