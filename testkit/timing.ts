/** Timing helpers for measurements: steps timed in turn, a mailer that times its sends, a memory sampler. */
import type { EmailMessage, Mailer } from '../src/email/transport';
import { median } from './stats';

const now = () => performance.now();

export interface ProfileStep {
  step: string;
  cpuMs: number;
  wallMs: number;
}

/** Mean CPU time (user + system, whole process) and wall time per call over `calls` calls from index `from`. */
async function perCall(
  from: number,
  calls: number,
  f: (i: number) => Promise<unknown> | unknown,
): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const started = now();
  for (let i = from; i < from + calls; i++) await f(i);
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / calls, wallMs: (now() - started) / calls };
}

/**
 * Every step warmed up, then timed in rounds that take the steps in turn (so a change in the
 * machine's load hits them alike); each step's figure is the median of its rounds.
 */
export async function timeSteps(
  steps: readonly { step: string; f: (i: number) => Promise<unknown> | unknown }[],
  o: { calls: number; rounds: number; warmupCalls: number },
): Promise<ProfileStep[]> {
  const perRound = Math.max(1, Math.round(o.calls / o.rounds));
  const rounds = steps.map(() => [] as { cpuMs: number; wallMs: number }[]);
  for (const { f } of steps) await perCall(0, o.warmupCalls, f);
  for (let round = 0; round < o.rounds; round++) {
    for (const [k, { f }] of steps.entries()) rounds[k]!.push(await perCall(o.warmupCalls + round * perRound, perRound, f));
  }
  return steps.map(({ step }, k) => ({
    step,
    cpuMs: median(rounds[k]!.map((r) => r.cpuMs)),
    wallMs: median(rounds[k]!.map((r) => r.wallMs)),
  }));
}

/** The real mailer, with the time of each batch send and the payload size recorded. */
export function timedMailer(inner: Mailer) {
  const stats = { calls: 0, ms: 0, emails: 0, chars: 0, lastCallAt: 0, callStarts: [] as number[], callEnds: [] as number[] };
  const mailer: Mailer = {
    ...inner,
    send: (message, options) => inner.send(message, options),
    async sendBatch(messages: EmailMessage[], options) {
      const t = now();
      stats.callStarts.push(t);
      try {
        return await inner.sendBatch(messages, options);
      } finally {
        stats.calls++;
        stats.ms += now() - t;
        stats.emails += messages.length;
        for (const m of messages) stats.chars += m.html.length + (m.text?.length ?? 0);
        stats.lastCallAt = now();
        stats.callEnds.push(stats.lastCallAt);
      }
    },
  };
  return { mailer, stats };
}

export function memorySampler(intervalMs = 20) {
  let peakRss = 0;
  let peakHeap = 0;
  const series: { t: number; heap: number }[] = [];
  const take = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    series.push({ t: now(), heap: m.heapUsed });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    take,
    stop() {
      clearInterval(timer);
      take();
      return { peakRss, peakHeap, series };
    },
  };
}

/** Wall time of one call. */
export async function timed<T>(f: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t = now();
  const value = await f();
  return { ms: now() - t, value };
}

/** Samples (ms) per labelled step: `step(label, f)` runs `f` `reps` times and keeps each time. */
export function stepSamples(reps: number, into = new Map<string, number[]>()) {
  const step = async <T>(label: string, f: () => T | Promise<T>): Promise<T> => {
    let out!: T;
    for (let i = 0; i < reps; i++) {
      const t = await timed(f);
      out = t.value;
      into.set(label, [...(into.get(label) ?? []), t.ms]);
    }
    return out;
  };
  return { step, samples: into, medians: () => [...into].map(([label, ms]) => [label, median(ms)] as [string, number]) };
}
