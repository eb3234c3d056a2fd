/**
 * Tracker page parser throughput (issue 4, goal >= 500 country pages/s): parses the Kazakhstan
 * page as text and as HTML, BENCH_PAGES times per format (default 2,000) in each of BENCH_ROUNDS
 * passes (default 5); medians with the min-max of the passes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTrackerPage } from '../src/alerts/sources/tracker-page';
import { median } from '../testkit/stats';
import { type BenchResult, cols, fmtInt, machineInfo, met, startRun, writeUnless, writeUp } from './report';

const GOAL_PAGES_PER_SECOND = 500;

/** The real page shared by the project (../shared/fixtures), else the demo source's copy of it (the same bytes). */
const textFixture = (() => {
  const shared = new URL('../../shared/fixtures/tracker-kazakhstan-2025-01.txt', import.meta.url);
  return existsSync(fileURLToPath(shared)) ? shared : new URL('../src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt', import.meta.url);
})();
const htmlFixture = new URL('../tests/fixtures/tracker-kazakhstan-2025-01.html', import.meta.url);

/** One pass: `iterations` parses per format after 50 warm-up parses; seconds per format. */
function pass(iterations: number): { format: 'text' | 'html'; bytes: number; seconds: number }[] {
  return (['text', 'html'] as const).map((format) => {
    const document = readFileSync(format === 'text' ? textFixture : htmlFixture, 'utf8');
    for (let i = 0; i < 50; i += 1) parseTrackerPage(document);
    const started = performance.now();
    let events = 0;
    for (let i = 0; i < iterations; i += 1) events += parseTrackerPage(document).events.length;
    const seconds = (performance.now() - started) / 1000;
    if (events !== iterations * 5) throw new Error(`expected 5 events per ${format} page, got ${events / iterations}`);
    return { format, bytes: Buffer.byteLength(document), seconds };
  });
}

export async function run(): Promise<BenchResult> {
  const clock = startRun();
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
  const iterations = Math.max(1, Number(process.env.BENCH_PAGES ?? 2_000));
  console.log(`page parser bench: ${rounds} rounds of ${fmtInt(iterations)} pages per format`);
  const passes = Array.from({ length: rounds }, (_, round) => {
    const figures = pass(iterations);
    console.log(
      `  round ${round + 1}/${rounds}: ${figures.map((f) => `${f.format} ${fmtInt(iterations / f.seconds)} pages/s`).join(', ')}`,
    );
    return figures;
  });
  const results = (['text', 'html'] as const).map((format) => {
    const rates = passes.map((p) => iterations / p.find((f) => f.format === format)!.seconds);
    const rate = median(rates);
    return { format, bytes: passes[0]!.find((f) => f.format === format)!.bytes, rate, rates, met: rate >= GOAL_PAGES_PER_SECOND };
  });
  const table = {
    columns: cols('format', '>page size', '>pages/s (median)', '>rounds (min-max pages/s)', '>ms per page', '>MB/s', 'goal'),
    rows: results.map((r) => [
      r.format === 'text' ? 'text of the page' : 'HTML (htmlparser2)',
      `${(r.bytes / 1024).toFixed(1)} KiB`,
      fmtInt(r.rate),
      `${fmtInt(Math.min(...r.rates))}-${fmtInt(Math.max(...r.rates))}`,
      (1000 / r.rate).toFixed(3),
      ((r.rate * r.bytes) / 1e6).toFixed(1),
      `>= ${GOAL_PAGES_PER_SECOND}/s: ${r.met ? 'met' : 'NOT met'} (${(r.rate / GOAL_PAGES_PER_SECOND).toFixed(1)}x)`,
    ]),
  };
  return {
    section: 'Page parser (issue 4)',
    command: 'npm run bench -- page-parser        # BENCH_PAGES=200 BENCH_ROUNDS=1 for a quick pass (no file written)',
    machine: machineInfo(),
    run: clock.finish(),
    write: writeUnless(iterations !== 2_000, 'BENCH_PAGES'),
    blocks: writeUp(
      'page-parser',
      {
        pages: fmtInt(iterations),
        rounds,
        goal: GOAL_PAGES_PER_SECOND,
        results: results.map((r) => ({ name: r.format === 'text' ? 'Text' : 'HTML', rate: fmtInt(r.rate), met: met(r.met) })),
      },
      { rates: table },
    ),
  };
}
