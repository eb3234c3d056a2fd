/**
 * Issue 6 benchmark, render cost only: one digest per recipient from the precompiled template
 * (`renderDigestEmail`: prepare + Mustache fill + size budget + plain text) next to what
 * calling mjml2html per recipient would cost (compile digest.mjml, then fill), in one run.
 * Each digest is timed on its own and the median kept; rounds interleave the two paths; the
 * median of the rounds is reported. Goal: >= 50x.
 *
 * Environment: BENCH_DIGESTS (precompiled digests per round, default 2,000), BENCH_MJML_CALLS
 * (mjml2html calls per round, default 20), BENCH_ROUNDS (default 3).
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
import { median } from '../testkit/stats';
import { type BenchResult, cols, fmtInt, fmtRatio, machineInfo, met, now, startRun, writeUnless } from './report';

const DIGESTS = Math.max(100, Number(process.env.BENCH_DIGESTS ?? 2_000));
const MJML_CALLS = Math.max(3, Number(process.env.BENCH_MJML_CALLS ?? 20));
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const GOAL_SPEEDUP = 50;

const log = (line: string) => console.log(line);

interface Workload {
  label: string;
  models: DigestModel[];
}

/** One model per recipient (distinct objects and addresses, as the digest runner builds them). */
function workload(label: string, make: () => DigestModel, count: number): Workload {
  return {
    label,
    models: Array.from({ length: count }, (_, i) => {
      const model = make();
      return { ...model, recipient: { ...model.recipient, email: `reader${i}@example.org` } };
    }),
  };
}

/** ms per digest through the precompiled template, one sample per digest. */
function precompiledRound(w: Workload): { samples: number[]; bytes: number; shown: number } {
  const samples: number[] = [];
  let bytes = 0;
  let shown = 0;
  for (const model of w.models) {
    const started = now();
    const email = renderDigestEmail(model);
    bytes += Buffer.byteLength(email.html); // as sending does: the string is flattened and encoded
    samples.push(now() - started);
    shown += email.shownCount;
  }
  return { samples, bytes: bytes / w.models.length, shown: shown / w.models.length };
}

/** ms per digest when every recipient's email goes through mjml2html (then the same fill). */
async function mjmlPerRecipientRound(w: Workload, source: string): Promise<number[]> {
  const options = { ...mjmlOptions, filePath: join(templatesDir, 'digest.mjml') };
  const samples: number[] = [];
  for (let i = 0; i < MJML_CALLS; i++) {
    const model = w.models[i % w.models.length]!;
    const started = now();
    const { html } = await mjml2html(source, options);
    const prepared = prepareDigest(model);
    const filled = prepareTemplate(html)(digestView(prepared, { reports: itemCount(prepared), countries: prepared.countries.length }));
    Buffer.byteLength(filled);
    samples.push(now() - started);
  }
  return samples;
}

export async function run(): Promise<BenchResult> {
  const clock = startRun();
  const source = readFileSync(join(templatesDir, 'digest.mjml'), 'utf8');
  const workloads = [
    workload('typical: 7 reports in 3 countries (~29 kB)', sampleDigestModel, DIGESTS),
    workload('large: 300 reports in 6 countries, cut to the 90 kB budget', () => largeDigestModel(300, 6), Math.ceil(DIGESTS / 10)),
  ];

  // Warm both paths (JIT, URL cache, mjml's lazy requires).
  for (const w of workloads) for (const model of w.models.slice(0, 100)) renderDigestEmail(model);
  await mjml2html(source, { ...mjmlOptions, filePath: join(templatesDir, 'digest.mjml') });

  const results = workloads.map((w) => ({ w, precompiled: [] as number[], mjml: [] as number[], bytes: 0, shown: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of results) {
      const mjmlFirst = round % 2 === 1;
      if (mjmlFirst) r.mjml.push(median(await mjmlPerRecipientRound(r.w, source)));
      const p = precompiledRound(r.w);
      r.precompiled.push(median(p.samples));
      r.bytes = p.bytes;
      r.shown = p.shown;
      if (!mjmlFirst) r.mjml.push(median(await mjmlPerRecipientRound(r.w, source)));
      log(
        `  round ${round + 1}/${ROUNDS} ${r.w.label}: precompiled ${(r.precompiled.at(-1)! * 1000).toFixed(0)} µs ` +
          `(mean ${((p.samples.reduce((a, b) => a + b, 0) / p.samples.length) * 1000).toFixed(0)} µs), mjml2html ${r.mjml.at(-1)!.toFixed(1)} ms`,
      );
    }
  }

  const columns = cols(
    'digest',
    '>HTML per digest',
    '>precompiled per digest (median)',
    '>precompiled digests/s',
    '>mjml2html per recipient (median)',
    '>mjml digests/s',
    '>speed-up',
    'goal',
  );
  const rows = results.map((r) => {
    const pre = median(r.precompiled);
    const mj = median(r.mjml);
    const speedup = mj / pre;
    return [
      `${r.w.label}${r.shown < 300 && r.w.label.startsWith('large') ? ` (${r.shown.toFixed(0)} shown)` : ''}`,
      `${(r.bytes / 1000).toFixed(1)} kB`,
      `${(pre * 1000).toFixed(0)} µs`,
      fmtInt(1000 / pre),
      `${mj.toFixed(1)} ms`,
      fmtInt(1000 / mj),
      fmtRatio(speedup),
      `>= ${GOAL_SPEEDUP}x: ${met(speedup >= GOAL_SPEEDUP)}`,
    ];
  });
  return {
    section: 'Digest render (issue 6)',
    command: 'npm run bench -- digest-render        # BENCH_DIGESTS=200 BENCH_MJML_CALLS=3 BENCH_ROUNDS=1 for a quick pass',
    machine: machineInfo(),
    run: clock.finish(),
    write: writeUnless(DIGESTS !== 2_000 || MJML_CALLS !== 20, 'BENCH_DIGESTS or BENCH_MJML_CALLS'),
    blocks: [
      `Workload: per round, ${fmtInt(DIGESTS)} typical digests (and ${fmtInt(Math.ceil(DIGESTS / 10))} large ones) ` +
        'rendered with `renderDigestEmail(model)` (prepare, Mustache fill of the precompiled template, size budget, ' +
        `plain text), against ${MJML_CALLS} recipients each compiled with \`mjml2html\` from digest.mjml and then ` +
        'filled (what rendering per recipient without precompiling costs); both include flattening and UTF-8 ' +
        'encoding the HTML, as sending does. Each digest is timed on its own; per round the median, then the median ' +
        `of ${ROUNDS} rounds (alternating which path runs first).`,
      { columns, rows },
    ],
  };
}
