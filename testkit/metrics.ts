import { METRICS_TOKEN, type TestApp } from './app';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition into samples (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Scrapes the app's /metrics; `value(name, labels)` is the one sample carrying those labels, or undefined. */
export async function scrape(t: Pick<TestApp, 'call'>) {
  const samples = parseMetrics(
    await (await t.call('GET', '/metrics', undefined, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text(),
  );
  return {
    samples,
    value(name: string, labels: Record<string, string> = {}): number | undefined {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
      return found[0]?.value;
    },
  };
}
