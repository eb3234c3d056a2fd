/**
 * Tracker page parser throughput: parses the Kazakhstan page as text and as HTML N times each
 * and prints pages per second. Goal (issue 4): >= 500 country pages/s.
 *
 *   npm run bench -- page-parser        (or: npx tsx bench/page-parser.ts [iterations])
 *
 * `npx tsx bench/page-parser.ts [iterations]` prints one pass; `run()` (what `npm run bench`
 * calls) takes the median of BENCH_ROUNDS passes (default 5) and writes its BENCHMARKS.md
 * section unless BENCH_WRITE=0.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseTrackerPage } from '../src/alerts/sources/tracker-page';
import { fmtInt, machineInfo, markdownTable, median, now, type TableColumn, textTable, writeBenchmarkSection } from './report';

export const name = 'page-parser';

const GOAL_PAGES_PER_SECOND = 500;
const SECTION = 'Page parser (issue 4)';

/** The real page shared by the project (../shared/fixtures), else the demo source's copy of it (the same bytes). */
const textFixture = (() => {
  const shared = new URL('../../shared/fixtures/tracker-kazakhstan-2025-01.txt', import.meta.url);
  return existsSync(fileURLToPath(shared)) ? shared : new URL('../src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt', import.meta.url);
})();
const htmlFixture = new URL('../tests/fixtures/tracker-kazakhstan-2025-01.html', import.meta.url);

export interface PageParserFigures {
  format: 'text' | 'html';
  pages: number;
  bytesPerPage: number;
  seconds: number;
  pagesPerSecond: number;
}

export function benchPageParser(iterations = 2_000): PageParserFigures[] {
  const documents = {
    text: readFileSync(textFixture, 'utf8'),
    html: readFileSync(htmlFixture, 'utf8'),
  };
  return (['text', 'html'] as const).map((format) => {
    const document = documents[format];
    for (let i = 0; i < 50; i += 1) parseTrackerPage(document); // warm-up
    const started = performance.now();
    let events = 0;
    for (let i = 0; i < iterations; i += 1) events += parseTrackerPage(document).events.length;
    const seconds = (performance.now() - started) / 1000;
    if (events !== iterations * 5) throw new Error(`expected 5 events per ${format} page, got ${events / iterations}`);
    return {
      format,
      pages: iterations,
      bytesPerPage: Buffer.byteLength(document),
      seconds,
      pagesPerSecond: Math.round(iterations / seconds),
    };
  });
}

const columns: TableColumn[] = [
  { title: 'format' },
  { title: 'page size', align: 'right' },
  { title: 'pages/s (median)', align: 'right' },
  { title: 'rounds (min-max pages/s)', align: 'right' },
  { title: 'ms per page', align: 'right' },
  { title: 'MB/s', align: 'right' },
  { title: 'goal' },
];

export async function run(): Promise<void> {
  const started = now();
  const loadBefore = loadavg()[0]!;
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
  const iterations = Math.max(1, Number(process.env.BENCH_PAGES ?? 2_000));
  console.log(`page parser bench: ${rounds} rounds of ${fmtInt(iterations)} pages per format`);
  const passes: PageParserFigures[][] = [];
  for (let round = 1; round <= rounds; round++) {
    const figures = benchPageParser(iterations);
    passes.push(figures);
    console.log(`  round ${round}/${rounds}: ${figures.map((f) => `${f.format} ${fmtInt(f.pagesPerSecond)} pages/s`).join(', ')}`);
  }
  const results = (['text', 'html'] as const).map((format) => {
    const mine = passes.map((p) => p.find((f) => f.format === format)!);
    const rates = mine.map((f) => iterations / f.seconds);
    const rate = median(rates);
    return {
      format,
      bytes: mine[0]!.bytesPerPage,
      rate,
      min: Math.min(...rates),
      max: Math.max(...rates),
      met: rate >= GOAL_PAGES_PER_SECOND,
    };
  });
  const rows = results.map((r) => [
    r.format === 'text' ? 'text of the page' : 'HTML (htmlparser2)',
    `${(r.bytes / 1024).toFixed(1)} KiB`,
    fmtInt(r.rate),
    `${fmtInt(r.min)}-${fmtInt(r.max)}`,
    (1000 / r.rate).toFixed(3),
    ((r.rate * r.bytes) / 1e6).toFixed(1),
    `>= ${GOAL_PAGES_PER_SECOND}/s: ${r.met ? 'met' : 'NOT met'} (${(r.rate / GOAL_PAGES_PER_SECOND).toFixed(1)}x)`,
  ]);
  console.log('');
  console.log(textTable(columns, rows));
  const elapsed = (now() - started) / 1000;
  const loadAfter = loadavg()[0]!;
  if (process.env.BENCH_WRITE === '0') {
    console.log('  BENCHMARKS.md not written (BENCH_WRITE=0)');
    return;
  }
  const machine = machineInfo();
  const body = [
    `Measured ${new Date().toISOString().slice(0, 10)} by \`bench/page-parser.ts\`:`,
    '',
    '```sh',
    'npm run bench -- page-parser        # or: npx tsx bench/page-parser.ts [iterations] (one pass, no file written)',
    '```',
    '',
    `Machine: ${Object.entries(machine)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}. ` +
      `1-minute load average ${loadBefore.toFixed(2)} at the start and ${loadAfter.toFixed(2)} at the end ` +
      `(the machine is shared); run took ${elapsed.toFixed(0)} s.`,
    '',
    'Workload: `parseTrackerPage(document)` (page lines, country heading, reports, zod validation of each event, ' +
      'stable ids) on the real Kazakhstan country page, as its text (`../shared/fixtures/tracker-kazakhstan-2025-01.txt`) ' +
      'and as HTML (`tests/fixtures/tracker-kazakhstan-2025-01.html`, parsed with htmlparser2); each pass parses ' +
      `${fmtInt(iterations)} pages per format after 50 warm-up parses and checks that every parse gives the page's ` +
      `5 events; ${rounds} passes, one thread, figures are medians with the min-max of the passes.`,
    '',
    markdownTable(columns, rows),
    '',
    `Goal (issue 4): the page parser handles >= ${GOAL_PAGES_PER_SECOND} country pages/s.`,
    '',
    ...results.map(
      (r) =>
        `- ${r.format === 'text' ? 'Text' : 'HTML'}: ${fmtInt(r.rate)} pages/s (goal >= ${GOAL_PAGES_PER_SECOND}: **${r.met ? 'met' : 'not met'}**)`,
    ),
  ].join('\n');
  writeBenchmarkSection(SECTION, body);
  console.log(`  wrote BENCHMARKS.md section "${SECTION}"`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const iterations = Number(process.argv[2] ?? 2_000);
  for (const f of benchPageParser(iterations)) {
    const kb = (f.bytesPerPage / 1024).toFixed(1);
    console.log(
      `page parser (${f.format}, ${kb} KB/page): ${f.pages} pages in ${f.seconds.toFixed(2)} s = ${f.pagesPerSecond} pages/s (goal >= 500)`,
    );
  }
}
