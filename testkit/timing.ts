/** Timing helpers for measurements: a call timed, a mailer that times its sends, a memory sampler. */
import type { EmailMessage, Mailer } from '../src/email/transport';

const now = () => performance.now();

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

/** Peak RSS and heap, and the heap over time, sampled every 20 ms until `stop()`. */
export function memorySampler() {
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
  const timer = setInterval(take, 20);
  return {
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
