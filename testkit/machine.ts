/** The machine a measurement ran on, and CPU time read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

function sh(command: string, args: string[], cwd?: URL): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
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
  const mem = /^Mem:\s*(.+)$/m.exec(sh('free', ['-h']))?.[1]?.split(/\s+/);
  return {
    nproc: sh('nproc', []) || String(cpus().length),
    'free -h (Mem: total used free shared buff/cache available)': mem?.join(' / ') ?? `${(totalmem() / 2 ** 30).toFixed(1)} GiB total`,
    'CPU model (/proc/cpuinfo)': cpuModel,
    Node: process.version,
    ...extra,
  };
}

export const loadAverage = (): number => loadavg()[0]!;

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) of a process from /proc, in ms; 0 once it has gone. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The PostgreSQL backends serving `database` (other databases, and the shared WAL writer and checkpointer, are left out). */
export function postgresBackends(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "postgres: [cluster: ]user database host(port) state"
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const words = title.split(/[\s\0]+/).slice(1, 4);
      if (title.startsWith('postgres: ') && words.includes(database)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU of the given processes from now on; processes that start meanwhile count from zero. */
export function cpuMeter(pids: () => number[]): () => number {
  const start = new Map(pids().map((pid) => [pid, processCpuMs(pid)]));
  return () => pids().reduce((sum, pid) => sum + processCpuMs(pid) - (start.get(pid) ?? 0), 0);
}

/** Jiffies of all CPUs from /proc/stat: total and idle (idle + iowait), to see how busy the machine was. */
export function cpuTimes(): { total: number; idle: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), idle: fields[3]! + fields[4]! };
  } catch {
    return undefined;
  }
}

/** Waits, up to 10 minutes, until the 1-minute load average is at most `maxLoad` (0: does not wait). */
export async function waitForQuietMachine(maxLoad: number, log: (line: string) => void): Promise<{ waitedS: number; load: number }> {
  const started = Date.now();
  let load = loadAverage();
  if (maxLoad <= 0) return { waitedS: 0, load };
  while (load > maxLoad && Date.now() - started < 10 * 60_000) {
    log(
      `  1-min load average ${load.toFixed(2)} > ${maxLoad}: waiting 30 s (waited ${((Date.now() - started) / 1000).toFixed(0)} s of at most 600)`,
    );
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    load = loadAverage();
  }
  if (load > maxLoad) log(`  NOTICE: load still ${load.toFixed(2)} after 10 minutes; running anyway`);
  return { waitedS: (Date.now() - started) / 1000, load };
}

/** The commit measured, and whether src/ or migrations/ differed from it when the bench started. */
export function codeVersion(): string {
  const git = (...args: string[]) => sh('git', args, new URL('..', import.meta.url));
  const head = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'src', 'migrations');
  if (!head) return 'unknown (no git)';
  return `git ${head}${dirty ? ` with uncommitted changes in ${dirty.split('\n').length} file(s) under src/ or migrations/` : ', src/ as committed'}`;
}
