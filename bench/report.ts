/**
 * The one reporter: every bench returns a `BenchResult` (its section's text and tables, the
 * machine, the command) and this prints it and writes its `## ...` section of BENCHMARKS.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mustache from 'mustache';
import { loadAverage, machineInfo } from '../testkit/machine';
import { projectRoot } from '../testkit/process';

export const benchmarksFile = join(projectRoot, 'BENCHMARKS.md');
export const now = () => performance.now();
export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtRatio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
export const met = (ok: boolean) => (ok ? 'met' : 'not met');

export interface TableColumn {
  title: string;
  align?: 'left' | 'right';
}

export interface Table {
  columns: readonly TableColumn[];
  rows: readonly (readonly string[])[];
}

/** Columns from titles; a title starting with `>` is right-aligned (the `>` is dropped). */
export const cols = (...titles: string[]): TableColumn[] =>
  titles.map((t) => (t.startsWith('>') ? { title: t.slice(1), align: 'right' } : { title: t }));

/** A paragraph (lines joined as they are) or a table. */
export type Block = string | Table;

/** Lines with '' between paragraphs (as a markdown source reads) into blocks; tables stay blocks of their own. */
export function paragraphs(lines: readonly (string | Table)[]): Block[] {
  const blocks: Block[] = [];
  let open: string[] = [];
  const close = () => {
    if (open.length) blocks.push(open.join('\n'));
    open = [];
  };
  for (const line of lines) {
    if (typeof line !== 'string') {
      close();
      blocks.push(line);
    } else if (line === '') close();
    else open.push(line);
  }
  close();
  return blocks;
}

const textDir = join(projectRoot, 'bench', 'text');
const verbatim = { escape: (value: unknown) => String(value) };

/**
 * A bench's write-up, `bench/text/<name>.md`, filled with Mustache from its figures; a line
 * `[table: key]` stands for `tables[key]`. Paragraphs are split on blank lines as `paragraphs` does.
 */
export function writeUp(name: string, view: object, tables: Record<string, Table> = {}): Block[] {
  const text = Mustache.render(readFileSync(join(textDir, `${name}.md`), 'utf8'), view, {}, verbatim);
  const lines = text.trimEnd().split('\n');
  return paragraphs(
    lines.map((line) => {
      const key = /^\[table: (\w+)\]$/.exec(line)?.[1];
      if (key === undefined) return line;
      const table = tables[key];
      if (!table) throw new Error(`bench/text/${name}.md: no table ${key}`);
      return table;
    }),
  );
}

export interface BenchResult {
  /** The `## ` heading of its section. */
  section: string;
  /** How to re-run it, shown in a sh block. */
  command: string;
  machine: Record<string, string>;
  /** Load average at the start and end and the run's seconds (from `startRun`), and what to add after them. */
  run: RunMeta;
  /** Text before the machine line (e.g. the code version). */
  prefix?: string;
  blocks: Block[];
  /** Whether the section may be written: false with a reason for reduced sizes or BENCH_WRITE=0. */
  write: true | { skip: string };
}

export interface RunMeta {
  at: Date;
  loadBefore: number;
  loadAfter: number;
  seconds: number;
  note?: string;
}

/** Call at the start of a bench; `finish()` gives its `run` figures. */
export function startRun() {
  const at = new Date();
  const started = now();
  const loadBefore = loadAverage();
  return {
    at,
    elapsedS: () => (now() - started) / 1000,
    finish: (note?: string): RunMeta => ({ at, loadBefore, loadAfter: loadAverage(), seconds: (now() - started) / 1000, note }),
  };
}

/** Written unless BENCH_WRITE=0 or the sizes are not the standard ones. */
export function writeUnless(nonStandard: boolean, what: string): BenchResult['write'] {
  if (process.env.BENCH_WRITE === '0') return { skip: 'BENCH_WRITE=0' };
  return nonStandard ? { skip: `a non-standard ${what}` } : true;
}

export { machineInfo };

export function markdownTable(t: Table): string {
  const head = `| ${t.columns.map((c) => c.title).join(' | ')} |`;
  const sep = `|${t.columns.map((c) => (c.align === 'right' ? ' ---: ' : ' --- ')).join('|')}|`;
  return [head, sep, ...t.rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The same table, padded for a terminal. */
export function textTable(t: Table): string {
  const widths = t.columns.map((c, i) => Math.max(c.title.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const pad = (cells: readonly string[]) =>
    cells.map((cell, i) => (t.columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [pad(t.columns.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(pad)].join('\n');
}

export function sectionBody(r: BenchResult, file: string): string {
  const machine = Object.entries(r.machine)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return [
    `Measured ${r.run.at.toISOString().slice(0, 10)} by \`${file}\`:`,
    '',
    '```sh',
    r.command,
    '```',
    '',
    `${r.prefix ?? ''}Machine: ${machine}. 1-minute load average ${r.run.loadBefore.toFixed(2)} at the start and ` +
      `${r.run.loadAfter.toFixed(2)} at the end (the machine is shared: other work ran meanwhile); run took ${r.run.seconds.toFixed(0)} s` +
      `${r.run.note ? `; ${r.run.note}` : ''}.`,
    ...r.blocks.flatMap((b) => ['', typeof b === 'string' ? b : markdownTable(b)]),
  ].join('\n');
}

/** Prints the tables, and writes the section unless the result says not to. */
export function report(r: BenchResult, file: string): void {
  for (const b of r.blocks) console.log(`\n${typeof b === 'string' ? b : textTable(b)}`);
  console.log(
    `\n  total bench time ${r.run.seconds.toFixed(0)} s; 1-min load average ${r.run.loadBefore.toFixed(2)} before, ${r.run.loadAfter.toFixed(2)} after`,
  );
  if (r.write !== true) {
    console.log(`  BENCHMARKS.md not written (${r.write.skip})`);
    return;
  }
  writeBenchmarkSection(r.section, sectionBody(r, file));
  console.log(`  wrote BENCHMARKS.md section "${r.section}"`);
}

/**
 * Replaces the `## <title>` section of BENCHMARKS.md (up to the next `## ` heading) with
 * `body`, or appends it; other sections are left as they are.
 */
function writeBenchmarkSection(title: string, body: string): void {
  const heading = `## ${title}`;
  const section = `${heading}\n\n${body.trim()}\n`;
  let text = existsSync(benchmarksFile)
    ? readFileSync(benchmarksFile, 'utf8')
    : '# Benchmarks\n\nMeasured by `npm run bench` (scripts in `bench/`); each section says how to re-run it.\n';
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start === -1) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    const end = next === -1 ? lines.length : next;
    const after = lines.slice(end).join('\n').trim();
    text = `${lines.slice(0, start).join('\n').trimEnd()}\n\n${section}${after ? `\n${after}\n` : ''}`;
  }
  writeFileSync(benchmarksFile, text.endsWith('\n') ? text : `${text}\n`);
}
