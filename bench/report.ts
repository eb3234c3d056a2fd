/**
 * The one reporter: every bench returns a `BenchResult` (its section's text and tables, the
 * machine, the command) and this prints it and writes its `## ...` section of BENCHMARKS.md.
 * Goals are data (`Goal`): one cell and one line shape for every bench.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mustache from 'mustache';
import { loadAverage, machineInfo } from '../testkit/machine';
import { projectRoot } from '../testkit/process';

const benchmarksFile = join(projectRoot, 'BENCHMARKS.md');
export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtRatio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
export const fmtMs = (ms: number) => (Number.isFinite(ms) ? (ms >= 100 ? fmtInt(ms) : ms.toFixed(1)) : 'n/a');
export const pct = (share: number, digits = 1) => (Number.isFinite(share) ? `${(100 * share).toFixed(digits)}%` : 'n/a');
export const pcts = (shares: readonly number[]) => shares.map((share) => pct(share)).join(', ');
export const us = (ms: number) => `${fmtInt(ms * 1000)} µs`;
export const met = (ok: boolean) => (ok ? 'met' : 'not met');

/** A number from the environment, else `fallback`; at least `min`. */
export const envNumber = (name: string, fallback: number, min = Number.NEGATIVE_INFINITY) =>
  Math.max(min, Number(process.env[name] ?? fallback));

/** A goal as data: `value op target`; `show` formats both sides (default: the number with `unit`). */
export interface Goal {
  value: number;
  op: '>=' | '<' | '=';
  target: number;
  unit?: string;
  show?: (n: number) => string;
  /** A condition the goal also needs (e.g. the rate asked for was reached). */
  also?: boolean;
}

export const goalMet = (g: Goal) =>
  g.also !== false &&
  (g.op === '>=' ? g.value >= g.target : g.op === '<' ? g.value < g.target : g.value === g.target && Number.isFinite(g.value));
/** `value >= target`, shown as a ratio unless `show` says otherwise. */
export const atLeast = (value: number, target: number, show = fmtRatio): Goal => ({ value, op: '>=', target, show });
const shown = (g: Goal, n: number) => `${g.show ? g.show(n) : n.toLocaleString('en-US')}${g.unit ?? ''}`;
/** The measured side, formatted as the goal formats it. */
export const goalValue = (g: Goal) => shown(g, g.value);
/** `>= 0.5x raw: met` for a table's goal column. */
export const goalCell = (g: Goal, what = '') => `${g.op} ${shown(g, g.target)}${what}: ${goalMet(g) ? 'met' : 'NOT met'}`;
/** `0.41x (goal >= 0.5x: **not met**)` for a goal line. */
export const goalText = (g: Goal) => `${shown(g, g.value)} (goal ${g.op} ${shown(g, g.target)}: **${met(goalMet(g))}**)`;

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

/** A table from records and `title -> cell` (titles as `cols` reads them). */
export function recordTable<T>(records: readonly T[], cells: Record<string, (r: T) => string>): Table {
  const fns = Object.values(cells);
  return { columns: cols(...Object.keys(cells)), rows: records.map((r) => fns.map((f) => f(r))) };
}

const textDir = join(projectRoot, 'bench', 'text');
const verbatim = { escape: (value: unknown) => String(value) };

/**
 * A bench's write-up, `bench/text/<name>.md`, filled with Mustache from its figures; a line
 * `[table: key]` stands for `tables[key]` as a markdown table.
 */
export function writeUp(name: string, view: object, tables: Record<string, Table> = {}): string {
  return Mustache.render(readFileSync(join(textDir, `${name}.md`), 'utf8'), view, {}, verbatim)
    .replace(/^\[table: (\w+)\]$/gm, (_, key: string) => {
      if (!tables[key]) throw new Error(`bench/text/${name}.md: no table ${key}`);
      return `\n${markdownTable(tables[key])}\n`;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface BenchResult {
  /** The `## ` heading of its section. */
  section: string;
  /** How to re-run it, shown in a sh block. */
  command: string;
  /** What the machine line adds to nproc, memory, CPU and Node (e.g. the PostgreSQL version). */
  machine?: Record<string, string>;
  /** Load average at the start and end and the run's seconds (from `startRun`; else the runner times `run()`). */
  run?: RunMeta;
  /** Text before the machine line (e.g. the code version). */
  prefix?: string;
  /** The section's text and tables in markdown (`writeUp`). */
  body: string;
  /** Whether the section may be written: false with a reason for reduced sizes or BENCH_WRITE=0. */
  write: true | { skip: string };
}

/** Call at the start of a bench; `finish()` gives its `run` figures. */
export function startRun() {
  const at = new Date();
  const started = performance.now();
  const loadBefore = loadAverage();
  return {
    at,
    elapsedS: () => (performance.now() - started) / 1000,
    finish: (note?: string) => ({ at, loadBefore, loadAfter: loadAverage(), seconds: (performance.now() - started) / 1000, note }),
  };
}
export type RunMeta = ReturnType<ReturnType<typeof startRun>['finish']>;

/** Written unless BENCH_WRITE=0 or the sizes are not the standard ones. */
export function writeUnless(nonStandard: boolean, what: string): BenchResult['write'] {
  if (process.env.BENCH_WRITE === '0') return { skip: 'BENCH_WRITE=0' };
  return nonStandard ? { skip: `a non-standard ${what}` } : true;
}

export function markdownTable(t: Table): string {
  const head = `| ${t.columns.map((c) => c.title).join(' | ')} |`;
  const sep = `|${t.columns.map((c) => (c.align === 'right' ? ' ---: ' : ' --- ')).join('|')}|`;
  return [head, sep, ...t.rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function sectionBody(r: BenchResult & { run: RunMeta }, file: string): string {
  const machine = Object.entries(machineInfo(r.machine))
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  const { at, loadBefore, loadAfter, seconds, note } = r.run;
  return [
    `Measured ${at.toISOString().slice(0, 10)} by \`${file}\`:`,
    '',
    '```sh',
    r.command,
    '```',
    '',
    `${r.prefix ?? ''}Machine: ${machine}. 1-minute load average ${loadBefore.toFixed(2)} at the start and ${loadAfter.toFixed(2)} ` +
      `at the end; run took ${seconds.toFixed(0)} s${note ? `; ${note}` : ''}.`,
    '',
    r.body,
  ].join('\n');
}

/** Prints the section as BENCHMARKS.md gets it (machine, load and run time included), and writes it unless the result says not to. */
export function report(r: BenchResult & { run: RunMeta }, file: string): void {
  const body = sectionBody(r, file);
  console.log(`\n${body}\n`);
  if (r.write === true) writeBenchmarkSection(r.section, body);
  console.log(r.write === true ? `  wrote BENCHMARKS.md section "${r.section}"` : `  BENCHMARKS.md not written (${r.write.skip})`);
}

/** The heading of a section's dated findings: written by hand, kept when the bench rewrites the section. */
const findingsHeading = '### Findings by date';

/**
 * Replaces the `## <title>` section of BENCHMARKS.md (up to the next `## `) with `body`, or
 * appends it; the section's findings by date stay after the new body.
 */
function writeBenchmarkSection(title: string, body: string): void {
  const text = existsSync(benchmarksFile)
    ? readFileSync(benchmarksFile, 'utf8')
    : '# Benchmarks\n\nMeasured by `npm run bench` (scripts in `bench/`); each section says how to re-run it.\n';
  const parts = text.trim().split(/\n+(?=## )/);
  const at = parts.findIndex((part) => part.split('\n')[0]!.trim() === `## ${title}`);
  const findings = at === -1 ? undefined : parts[at]!.match(new RegExp(`^${findingsHeading}$[\\s\\S]*`, 'm'))?.[0];
  const section = [`## ${title}`, body.trim(), findings?.trim()].filter(Boolean).join('\n\n');
  parts.splice(at === -1 ? parts.length : at, at === -1 ? 0 : 1, section);
  writeFileSync(benchmarksFile, `${parts.join('\n\n')}\n`);
}
