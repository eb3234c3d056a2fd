/**
 * Issue 6, render cost only: a digest per recipient from the precompiled template against
 * mjml2html per recipient, in interleaved rounds (workload: bench/text/digest-render.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mjml2html from 'mjml';
import { mjmlOptions, templatesDir } from '../src/templates/compile';
import { itemCount, prepareDigest } from '../src/templates/digest-prepare';
import { digestView } from '../src/templates/digest-view';
import { prepareTemplate } from '../src/templates/fill';
import { type DigestModel, renderDigestEmail } from '../src/templates/index';
import { largeDigestModel, sampleDigestModel } from '../testkit/sample-models';
import { mean, median } from '../testkit/stats';
import { log } from './measure';
import * as report from './report';

const DIGESTS = report.envNumber('BENCH_DIGESTS', 2_000, 100);
const MJML_CALLS = report.envNumber('BENCH_MJML_CALLS', 20, 3);
const ROUNDS = report.envNumber('BENCH_ROUNDS', 3, 1);
const mjmlFile = join(templatesDir, 'digest.mjml');

/** One model per recipient (distinct objects and addresses, as the digest runner builds them). */
const workload = (label: string, make: () => DigestModel, count: number) => ({
  label,
  models: Array.from({ length: count }, (_, i) => {
    const model = make();
    return { ...model, recipient: { ...model.recipient, email: `reader${i}@example.org` } };
  }),
  precompiled: [] as number[],
  mjml: [] as number[],
  bytes: 0,
  shown: 0,
});
type Workload = ReturnType<typeof workload>;

/** ms per digest through the precompiled template, one sample per digest; the HTML flattened and encoded as sending does. */
function precompiledRound(w: Workload): number[] {
  const samples = w.models.map((model) => {
    const started = performance.now();
    const email = renderDigestEmail(model);
    w.bytes = Buffer.byteLength(email.html);
    w.shown = email.shownCount;
    return performance.now() - started;
  });
  w.precompiled.push(median(samples));
  return samples;
}

/** ms per digest when every recipient's email goes through mjml2html (then the same fill). */
async function mjmlRound(w: Workload, source: string): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < MJML_CALLS; i++) {
    const started = performance.now();
    const { html } = await mjml2html(source, { ...mjmlOptions, filePath: mjmlFile });
    const prepared = prepareDigest(w.models[i % w.models.length]!);
    Buffer.byteLength(prepareTemplate(html)(digestView(prepared, { reports: itemCount(prepared), countries: prepared.countries.length })));
    samples.push(performance.now() - started);
  }
  w.mjml.push(median(samples));
}

export async function run(): Promise<report.BenchResult> {
  const source = readFileSync(mjmlFile, 'utf8');
  const workloads = [
    workload('typical: 7 reports in 3 countries', sampleDigestModel, DIGESTS),
    workload('large: 300 reports in 6 countries, cut to the 90 kB budget', () => largeDigestModel(300, 6), Math.ceil(DIGESTS / 10)),
  ];
  // Warm both paths (JIT, URL cache, mjml's lazy requires).
  for (const w of workloads) for (const model of w.models.slice(0, 100)) renderDigestEmail(model);
  await mjml2html(source, { ...mjmlOptions, filePath: mjmlFile });
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of workloads) {
      if (round % 2 === 1) await mjmlRound(w, source);
      const samples = precompiledRound(w);
      if (round % 2 === 0) await mjmlRound(w, source);
      log(
        `  round ${round + 1}/${ROUNDS} ${w.label}: precompiled ${(w.precompiled.at(-1)! * 1000).toFixed(0)} µs ` +
          `(mean ${(mean(samples) * 1000).toFixed(0)} µs), mjml2html ${w.mjml.at(-1)!.toFixed(1)} ms`,
      );
    }
  }
  const results = workloads.map((w) => ({ ...w, pre: median(w.precompiled), mj: median(w.mjml) }));
  const table = report.recordTable(results, {
    digest: (r) => `${r.label}${r.shown < 300 && r.label.startsWith('large') ? ` (${r.shown.toFixed(0)} shown)` : ''}`,
    '>HTML per digest': (r) => `${(r.bytes / 1000).toFixed(1)} kB`,
    '>precompiled per digest (median)': (r) => `${(r.pre * 1000).toFixed(0)} µs`,
    '>precompiled digests/s': (r) => report.fmtInt(1000 / r.pre),
    '>mjml2html per recipient (median)': (r) => `${r.mj.toFixed(1)} ms`,
    '>mjml digests/s': (r) => report.fmtInt(1000 / r.mj),
    '>speed-up': (r) => report.fmtRatio(r.mj / r.pre),
    goal: (r) => report.goalCell({ value: r.mj / r.pre, op: '>=', target: 50, unit: 'x' }),
  });
  return {
    section: 'Digest render (issue 6)',
    command: 'npm run bench -- digest-render        # BENCH_DIGESTS=200 BENCH_MJML_CALLS=3 BENCH_ROUNDS=1 for a quick pass',
    write: report.writeUnless(DIGESTS !== 2_000 || MJML_CALLS !== 20, 'BENCH_DIGESTS or BENCH_MJML_CALLS'),
    body: report.writeUp(
      'digest-render',
      { digests: report.fmtInt(DIGESTS), large: report.fmtInt(Math.ceil(DIGESTS / 10)), mjmlCalls: MJML_CALLS, rounds: ROUNDS },
      { results: table },
    ),
  };
}
