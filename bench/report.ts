/**
 * Shared helpers for bench scripts: timing, medians, the machine description and writing a
 * section of BENCHMARKS.md (each bench owns one `## ...` section and replaces only that).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const benchmarksFile = join(repoRoot, 'BENCHMARKS.md');

export const now = () => performance.now();

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtRatio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');

function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** nproc, free -h, CPU model, Node version (and anything else the caller adds). */
export function machineInfo(extra: Record<string, string> = {}): Record<string, string> {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  if (existsSync('/proc/cpuinfo')) {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpuModel = match[1].trim();
  }
  const free = sh('free', ['-h']);
  const memLine = free.split('\n').find((l) => l.startsWith('Mem:'));
  return {
    nproc: sh('nproc', []) || String(cpus().length),
    'free -h (Mem: total used free shared buff/cache available)': memLine
      ? memLine
          .replace(/^Mem:\s*/, '')
          .split(/\s+/)
          .join(' / ')
      : `${(totalmem() / 2 ** 30).toFixed(1)} GiB total`,
    'CPU model (/proc/cpuinfo)': cpuModel,
    Node: process.version,
    ...extra,
  };
}

export interface TableColumn {
  title: string;
  align?: 'left' | 'right';
}

export function markdownTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const head = `| ${columns.map((c) => c.title).join(' | ')} |`;
  const sep = `|${columns.map((c) => (c.align === 'right' ? ' ---: ' : ' --- ')).join('|')}|`;
  return [head, sep, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The same table, padded for a terminal. */
export function textTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cells: readonly string[]) =>
    cells.map((cell, i) => (columns[i]?.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [pad(columns.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)].join('\n');
}

/**
 * Replaces the `## <title>` section of BENCHMARKS.md (up to the next `## ` heading) with
 * `body`, or appends it; other sections are left as they are.
 */
export function writeBenchmarkSection(title: string, body: string): void {
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
    let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    if (end === -1) end = lines.length;
    const before = lines.slice(0, start).join('\n').trimEnd();
    const after = lines.slice(end).join('\n').trim();
    text = `${before}\n\n${section}${after ? `\n${after}\n` : ''}`;
  }
  writeFileSync(benchmarksFile, text.endsWith('\n') ? text : `${text}\n`);
}
