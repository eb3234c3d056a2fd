/**
 * Issues 6 and 17: one digest tick end to end on PostgreSQL, its parts timed alone
 * (testkit/digest-probes.ts), then the same tick on a fresh copy with 10% of the readers holding
 * OpenPGP keys; each tick in a child process of its own (workload and findings: bench/text/digests.md).
 * BENCH_TICK_SECONDS stops a tick, as a crash would, once it runs past it (0: never); BENCH_MAX_LOAD
 * waits (up to 10 minutes) for the 1-minute load average to fall to it (0: no wait).
 *
 *   npm run bench -- digests
 */
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { sql } from 'kysely';
import { generateKey, readKey } from 'openpgp';
import { digestMessage } from '../src/alerts/digest/message';
import { runDigestTick } from '../src/alerts/digest/runner';
import { fixedClock } from '../src/clock';
import { readRecordedModels } from '../src/db/digest-items';
import type { RecordedModel } from '../src/db/digest-model';
import { encryptedThrough } from '../src/email/create-mailer';
import { buildEml } from '../src/email/eml';
import { buildEncryptedEml } from '../src/email/pgp-mime';
import { createResendMailer } from '../src/email/resend';
import { createSmtpMailer } from '../src/email/smtp';
import { createLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { createBenchDeps } from '../testkit/bench-deps';
import { benchDatabaseUrl, freshSchema, postgresVersion } from '../testkit/db-targets';
import * as population from '../testkit/digest-population';
import * as probes from '../testkit/digest-probes';
import { startFakeResendProcess } from '../testkit/fake-resend-process';
import { serveCommands, startServed } from '../testkit/ipc';
import { loadAverage, waitForQuietMachine } from '../testkit/machine';
import { statementTimer } from '../testkit/statement-timer';
import { maxOf, mean, median, percentileUnsorted } from '../testkit/stats';
import { memorySampler, timedMailer } from '../testkit/timing';
import { cpuMsSince, inTempDir, log } from './measure';
import { type CpuProfile, profiled, whereTimeGoes } from './profile';
import * as r from './report';

const { AS_OF, floorPercentile } = population;
const { fmtInt, fmtRatio, us } = r;
const SUBSCRIBERS = r.envNumber('BENCH_SUBSCRIBERS', 100_000, 100);
const RAW = { batches: r.envNumber('BENCH_RAW_BATCHES', 300, 10), seconds: r.envNumber('BENCH_RAW_SECONDS', 15, 1) };
const RENDER_SAMPLE = r.envNumber('BENCH_RENDER_SAMPLE', 2_000, 100);
const MJML_CALLS = r.envNumber('BENCH_MJML_CALLS', 20, 3);
const TICK_BUDGET_MS = r.envNumber('BENCH_TICK_SECONDS', 120, 0) * 1000;
const KEYS_PER_TYPE = r.envNumber('BENCH_KEYS', 8, 1);
const EMAIL_FROM = 'Tracker Alerts <alerts@example.org>';
const KEY_TYPES = ['Curve25519', 'RSA-3072'] as const;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const goalView = (g: r.Goal) => ({ cell: r.goalCell(g), met: r.met(r.goalMet(g)), value: r.goalValue(g) });

/** Thrown from `afterRecord` when the tick runs past its time budget: the run stops as a crash would. */
class BudgetReached extends Error {}

/** Keys made before the period (a key made after the tick's date cannot encrypt as of it), half of each type. */
async function makeKeys() {
  const keys = [];
  for (const type of KEY_TYPES)
    for (let i = 0; i < KEYS_PER_TYPE; i++) {
      const options =
        type === 'RSA-3072' ? { type: 'rsa' as const, rsaBits: 3072 } : { type: 'ecc' as const, curve: 'curve25519Legacy' as const };
      const { publicKey } = await generateKey({ ...options, userIDs: [{ email: `key-${i}@example.org` }], date: new Date('2024-01-01') });
      keys.push({ type, armored: publicKey, fingerprint: (await readKey({ armoredKey: publicKey })).getFingerprint() });
    }
  return keys;
}
type Keys = Awaited<ReturnType<typeof makeKeys>>;
type FakeResend = Awaited<ReturnType<typeof startFakeResendProcess>>;

/**
 * A fresh schema, the period's events and the subscribers (with `keys`: every tenth holding one,
 * the types alternating), then one tick with the deps the app builds and its mailer as production
 * wires it with SMTP_URL set (encrypted mail through the SMTP relay, the rest through Resend).
 */
async function tickRun(url: string, dataDir: string, fake: FakeResend, keysMade?: Promise<Keys>, underProfiler = false) {
  const { handle, drop } = await freshSchema(url, `bench_digests_${process.pid}_${keysMade ? 'keys' : 'plain'}`);
  let firstClaimAt: number | undefined;
  const timer = statementTimer(probes.digestLabel, {
    keepSeries: true,
    onStart: (label, t) => {
      if (firstClaimAt === undefined && label === 'select digests join for update') firstClaimAt = t;
    },
  });
  const clock = fixedClock(population.BEFORE_PERIOD);
  const metrics = createMetrics();
  const mailerOptions = { defaultFrom: EMAIL_FROM, clock, log: createLogger({ level: 'silent' }), metrics: metrics.email };
  const resendMailer = createResendMailer({ apiKey: probes.FAKE_RESEND_KEY, baseUrl: fake.url, ...mailerOptions });
  const smtp = timedMailer(createSmtpMailer({ url: fake.smtpUrl, ...mailerOptions }));
  const timed = timedMailer(encryptedThrough(smtp.mailer, resendMailer));
  const env = { NODE_ENV: 'development', PUBLIC_BASE_URL: 'https://alerts.example.org', DATA_DIR: dataDir, DATABASE_URL: url };
  const deps = createBenchDeps({ ...handle, db: handle.db.withPlugin(timer.plugin) }, env, { clock, metrics, mailer: timed.mailer });
  const tSetup = r.now();
  const period = await population.seedPeriodEvents(deps, handle, clock);
  const people = await population.seedPopulation(handle, SUBSCRIBERS, period);
  const keyed = new Map<string, Keys[number]>();
  const keys = await keysMade;
  if (keys) {
    for (let j = 0; 10 * j < people.emails.length; j++)
      keyed.set(people.emails[10 * j]!, keys[(j % 2) * KEYS_PER_TYPE + (Math.floor(j / 2) % KEYS_PER_TYPE)]!);
    for (const key of keys) {
      const emails = [...keyed].filter(([, k]) => k === key).map(([email]) => email);
      await sql`update subscribers set openpgp_key = ${key.armored}, openpgp_fingerprint = ${key.fingerprint},
        openpgp_confirmed_at = ${population.BEFORE_PERIOD} where email = any(${emails})`.execute(handle.db);
    }
  }
  log(`  ${keys ? 'keyed' : 'plain'} setup took ${((r.now() - tSetup) / 1000).toFixed(1)} s (${fmtInt(keyed.size)} key holders)`);
  // Warm the HTTP path and the JIT once (a tiny batch to the fake, outside the timing).
  const warm = Array.from({ length: 100 }, (_, i) => ({ to: `warm-${i}@example.org`, subject: 'warm', html: '<p>warm</p>', text: 'warm' }));
  for (let i = 0; i < 3; i++) await probes.rawPoster(fake, warm, EMAIL_FROM, `warm-${keys ? 'k' : 'p'}`).post(i);
  await fake.reset();

  clock.set(AS_OF);
  timer.totals.clear();
  timer.series.clear();
  gc();
  const [memBefore, cpuBefore, sampler] = [process.memoryUsage(), process.cpuUsage(), memorySampler()];
  const tickStart = r.now();
  let stoppedAt: number | undefined;
  const tick = () =>
    runDigestTick(deps, {
      asOf: AS_OF,
      trigger: 'bench',
      afterRecord: async () => {
        if (TICK_BUDGET_MS > 0 && r.now() - tickStart > TICK_BUDGET_MS) {
          stoppedAt = r.now();
          throw new BudgetReached();
        }
      },
    }).catch((error: unknown) => {
      if (error instanceof BudgetReached) return undefined;
      throw error;
    });
  const { result, profile } = underProfiler ? await profiled(tick) : { result: await tick(), profile: undefined };
  const tickEnd = r.now();
  const cpuMs = cpuMsSince(cpuBefore);
  const mem = sampler.stop();
  const complete = result !== undefined;
  const wallMs = (stoppedAt ?? tickEnd) - tickStart;
  // A stopped tick is measured up to its last batch marked sent (the batch recorded when the budget ran out stays unsent, as after a crash).
  const rateMs = complete ? wallMs : timed.stats.lastCallAt - tickStart;
  const { rows } = await sql<{ email: string; status: string; digest_cursor: number }>`
    select s.email, d.status, s.digest_cursor from digests d join subscribers s on s.id = d.subscriber_id`.execute(handle.db);
  const [sent, skipped] = ['sent', 'skipped'].map((status) => rows.filter((row) => row.status === status).length) as [number, number];
  const delivered = await fake.deliveries();
  const check = probes.checkDigestInboxes({
    ...period,
    delivered,
    rows,
    expected: people.expected,
    keyed: new Set(keyed.keys()),
    complete,
  });
  if (rows.length !== SUBSCRIBERS) check.problems.push(`${rows.length} digest rows for ${SUBSCRIBERS} subscribers`);
  if (result && (result.sent !== people.expectedSent || result.failed || result.deferred))
    check.problems.push(`tick counts ${JSON.stringify(result)}, expected ${people.expectedSent} sent`);
  const rate = (sent / rateMs) * 1000;
  log(
    `  ${keys ? 'keyed' : 'plain'} tick: ${complete ? JSON.stringify(result) : 'STOPPED at its budget'}; ${fmtInt(rate)} digests/s; ` +
      `${check.problems.length ? `PROBLEMS: ${check.problems.join('; ')}` : 'check passed'}`,
  );
  if (check.problems.length) process.exitCode = 1;
  const encrypted = delivered.filter((d) => d.encrypted).length;
  const half = tickStart + wallMs / 2;
  const heapMax = (inHalf: (t: number) => boolean) => mb(Math.max(...mem.series.filter((m) => inHalf(m.t)).map((m) => m.heap)));
  return {
    ...{ handle, drop, deps, timer, timed, smtp, period, people, keyed, mem, memBefore, cpuMs, complete, wallMs, rateMs },
    ...{
      sent,
      skipped,
      rate,
      check,
      encrypted,
      delivered,
      tickStart,
      firstClaimAt,
      heapMax: [heapMax((t) => t < half), heapMax((t) => t >= half)],
    },
    resendMailer,
    profile,
    fakeUsage: await fake.usage(),
  };
}
type TickRun = Awaited<ReturnType<typeof tickRun>>;

/** Encrypting one email alone (buildEncryptedEml: the MIME inside, OpenPGP encryption, the PGP/MIME outside) per key type, against the clear MIME. */
async function encryptionCost(run: TickRun, keys: Keys) {
  const { rows } = await sql<{ email: string; model: RecordedModel }>`
    select s.email, d.model from digests d join subscribers s on s.id = d.subscriber_id
    where d.status = 'sent' and s.openpgp_key is not null order by d.id limit 600`.execute(run.handle.db);
  const models = await readRecordedModels(run.handle.db, rows.map(probes.modelOf));
  const messages = models.map((model, i) => ({ ...digestMessage(model), from: EMAIL_FROM, key: run.keyed.get(rows[i]!.email)! }));
  const envelope = (i: number) => ({ messageId: `<bench-${i}@smtp.tracker-alerts>`, date: AS_OF });
  const per = async <T>(list: readonly T[], f: (item: T, i: number) => unknown) => {
    const ms: number[] = [];
    for (const [i, item] of list.entries()) {
      const t = r.now();
      await f(item, i);
      ms.push(r.now() - t);
    }
    return { median: median(ms), p99: percentileUnsorted(ms, 99), n: ms.length };
  };
  const byType = [];
  for (const type of KEY_TYPES) {
    const list = messages.filter((m) => m.key.type === type);
    const seal = (m: (typeof list)[number], i: number) => buildEncryptedEml({ ...m, encryptTo: m.key.armored }, envelope(i));
    await per(list.slice(0, 10), seal); // warm; each key is parsed once, as in a run
    byType.push({
      type,
      encrypted: await per(list, seal),
      clear: await per(list, (m, i) => buildEml(m, envelope(i))),
      parse: await per(
        keys.filter((k) => k.type === type),
        (k) => readKey({ armoredKey: k.armored }).then((key) => key.toPublic()),
      ),
      kb: median(list.map((m) => m.html.length + m.text.length)) / 1000,
      // The same (up to) 100 emails as one batch through the tick's SMTP mailer, in clear and encrypted: what the transport adds.
      smtp: await Promise.all(
        [false, true].map(async (sealed) => {
          const batch = list.slice(0, 100).map(({ key, ...m }) => (sealed ? { ...m, encryptTo: key.armored } : m));
          const t = r.now();
          await run.smtp.mailer.sendBatch(batch, { idempotencyKey: `probe-${type}-${sealed}` });
          return (r.now() - t) / batch.length;
        }),
      ),
    });
  }
  return byType;
}

/** What the parent needs of a tick run in a child process (serialisable). */
function summaryOf(t: TickRun) {
  return {
    ...{ rate: t.rate, sent: t.sent, skipped: t.skipped, rateMs: t.rateMs, complete: t.complete, encrypted: t.encrypted },
    ...{ peakRss: t.mem.peakRss, rssBefore: t.memBefore.rss, peakHeap: t.mem.peakHeap, fakeRss: t.fakeUsage.rssBytes },
    ...{ problems: t.check.problems, keyHolders: t.keyed.size, smtpMs: t.smtp.stats.ms, smtpEmails: t.smtp.stats.emails, wallMs: t.wallMs },
  };
}

type Kind = 'plain' | 'keyed' | 'profiled';

/**
 * One tick (with or without keys, or without keys under the CPU profiler) and what is timed alone
 * after it, in this process: run as a child, so each tick's memory is its own.
 */
async function tickAlone(kind: Kind) {
  const fake = await startFakeResendProcess();
  const keysMade = kind === 'keyed' ? makeKeys() : undefined;
  keysMade?.catch(() => undefined);
  try {
    return await inTempDir('bench-digests-', async (dataDir) => {
      const t = await tickRun(benchDatabaseUrl(), dataDir, fake, keysMade, kind === 'profiled');
      const summary = summaryOf(t); // before the probes, which send through the same mailers
      const profileOf = (p: CpuProfile) =>
        whereTimeGoes([{ title: 'no-key tick', profiles: [p], per: t.sent / 1000 }], 'ms per 1,000 digests');
      const extra = {
        cost: keysMade && (await encryptionCost(t, await keysMade)),
        profile: t.profile && profileOf(t.profile),
        ...(keysMade || t.profile ? {} : await plainView(t, fake)),
      };
      await t.smtp.mailer.close?.();
      await t.handle.close();
      if (process.env.BENCH_KEEP_SCHEMA !== '1') await t.drop();
      return { summary, ...extra };
    });
  } finally {
    await fake.close();
  }
}
type TickAlone = Awaited<ReturnType<typeof tickAlone>>;

/** This file run as a child with the parent's exec arguments (tsx included), answering with its figures. */
async function inChild(kind: Kind): Promise<TickAlone> {
  const child = await startServed(fileURLToPath(import.meta.url), { args: ['--child'] });
  return child.ask<TickAlone>('tick', kind).finally(child.close);
}

export async function run(): Promise<r.BenchResult> {
  const url = benchDatabaseUrl();
  const loadWait = await waitForQuietMachine(r.envNumber('BENCH_MAX_LOAD', 3), log);
  const runClock = r.startRun();
  log(
    `digests bench: ${fmtInt(SUBSCRIBERS)} subscribers, ${fmtInt(population.PERIOD_CHANGES)} changes in the period, ticks at ${AS_OF.toISOString()}`,
  );
  const plainRun = await inChild('plain');
  const loadBetween = loadAverage();
  const keyedRun = await inChild('keyed');
  log('  the no-key tick once more on fresh data, under the CPU profiler ...');
  const profiledRun = await inChild('profiled');
  const [plain, keyed] = [plainRun.summary, keyedRun.summary];
  const [{ view, tables }, { cost }, { profile }] = [plainRun, keyedRun, profiledRun];
  if (!view || !tables || !cost || !profile) throw new Error('digests bench: a tick process answered the wrong figures');
  if (plain.problems.length || keyed.problems.length || profiledRun.summary.problems.length) process.exitCode = 1;
  const encryption = {
    keyHolders: fmtInt(keyed.keyHolders),
    keysPerType: KEYS_PER_TYPE,
    loadBetween: loadBetween.toFixed(2),
    goal: goalView(r.atLeast(keyed.rate / plain.rate, 0.5)),
    sentEncrypted: fmtInt(keyed.encrypted),
    smtpPerEmail: us(keyed.smtpMs / Math.max(1, keyed.smtpEmails)),
    smtpShare: ((100 * keyed.smtpMs) / keyed.wallMs).toFixed(0),
    checkKeyed: keyed.problems.join('; ') || 'met',
  };
  const pair = [
    { run: 'no keys', t: plain },
    { run: `10% with keys (${KEY_TYPES.join(' / ')} half each)`, t: keyed },
  ];
  return {
    section: 'Digests (issue 6)',
    command:
      'npm run bench -- digests        # BENCH_SUBSCRIBERS=2000 BENCH_RAW_SECONDS=2 BENCH_MAX_LOAD=0 for a quick pass (no file written)',
    machine: { PostgreSQL: await postgresVersion(url) },
    run: runClock.finish(
      loadWait.waitedS >= 1 ? `the run waited ${loadWait.waitedS.toFixed(0)} s before it for the load average to drop` : undefined,
    ),
    write: r.writeUnless(SUBSCRIBERS !== 100_000, 'BENCH_SUBSCRIBERS'),
    body: r.writeUp(
      'digests',
      { ...view, encryption, profiledRate: fmtInt(profiledRun.summary.rate) },
      {
        ...tables,
        cpu: profile,
        keyedTicks: r.recordTable(pair, {
          tick: (p) => p.run,
          '>digests/s': (p) => fmtInt(p.t.rate),
          '>vs no keys': (p) => fmtRatio(p.t.rate / plain.rate),
          'sent (tick)': (p) =>
            `${fmtInt(p.t.sent)} sent + ${fmtInt(p.t.skipped)} skipped in ${(p.t.rateMs / 1000).toFixed(1)} s${p.t.complete ? '' : ' (stopped at the budget)'}`,
          '>encrypted (PGP/MIME via SMTP)': (p) => fmtInt(p.t.encrypted),
          ">peak RSS (at the tick's start)": (p) => `${mb(p.t.peakRss)} (${mb(p.t.rssBefore)})`,
          '>peak heap': (p) => mb(p.t.peakHeap),
          '>fake Resend + SMTP process RSS': (p) => mb(p.t.fakeRss),
          correct: (p) => p.t.problems.join('; ') || 'met',
        }),
        encryption: r.recordTable(cost, {
          key: (c) => c.type,
          '>emails': (c) => fmtInt(c.encrypted.n),
          '>email (HTML + text, median)': (c) => `${c.kb.toFixed(1)} kB`,
          '>encrypt, median': (c) => us(c.encrypted.median),
          '>encrypt, p99': (c) => us(c.encrypted.p99),
          '>clear MIME alone, median / p99': (c) => `${us(c.clear.median)} / ${us(c.clear.p99)}`,
          '>parse the key once, median': (c) => us(c.parse.median),
          '>through the SMTP mailer, batch of 100: clear / encrypted, per email': (c) => `${us(c.smtp[0]!)} / ${us(c.smtp[1]!)}`,
        }),
      },
    ),
  };
}

if (process.argv.includes('--child') && process.argv[1] === fileURLToPath(import.meta.url)) serveCommands({ tick: tickAlone });

/** The no-key run's figures (issue 6), with its parts timed alone. */
async function plainView(t: TickRun, fake: FakeResend) {
  const { handle, people, period, timed } = t;
  const { upTo } = period;
  const claimPlan = await probes.explainClaim(handle, AS_OF);
  await fake.reset();
  const stored = await probes.renderStoredModels(handle, t.sent, RENDER_SAMPLE);
  const [tickFillMs, inTickRenderMs] = [median(stored.fillMs), mean(stored.fillMs)];
  const mjml = await probes.mjmlPerRecipient(tickFillMs, stored.renderMs, MJML_CALLS);
  const posting = await probes.postingPasses(fake, stored.messages, t.resendMailer, EMAIL_FROM, RAW);
  const storage = await probes.measureRecord(handle, stored.models);
  const statements = [...t.timer.totals].sort((a, b) => b[1].ms - a[1].ms);
  const batches = timed.stats.calls;
  // Posting batch N overlaps building batch N+1: a gap between one post's end and the next's start is time the next batch was not ready.
  const postingIdle = timed.stats.callStarts.slice(1).reduce((sum, start, i) => sum + Math.max(0, start - timed.stats.callEnds[i]!), 0);
  const claims = t.timer.series.get('select digests join for update') ?? [];
  const tenth = Math.max(1, Math.floor(claims.length / 10));
  const goals = {
    rate: { ...r.atLeast(t.rate, 1_000, fmtInt), unit: '/s' },
    vsSdk: r.atLeast(t.rate / posting.sdkRate, 0.5),
    vsRaw: r.atLeast(t.rate / posting.rawRate, 0.5),
    mjml: r.atLeast(mjml.mjmlRatio, 50),
  };
  const stepRows = [
    ...statements.map(([label, st]) => ({ step: `SQL ${label}`, count: fmtInt(st.count), ms: st.ms })),
    {
      step: 'HTTP: mailer.sendBatch (SDK JSON + fetch + the fake in its own process), overlapping the next build',
      count: fmtInt(batches),
      ms: timed.stats.ms,
    },
    { step: "of which the fake's CPU (its process)", count: '', ms: t.fakeUsage.cpuMs },
    { step: 'posting idle: the next batch not built yet when the previous post ended', count: '', ms: postingIdle },
    { step: 'node CPU (this process: runner, SDK, pg client)', count: '', ms: t.cpuMs },
    { step: 'tick (wall)', count: fmtInt(statements.reduce((a, [, st]) => a + st.count, 0)), ms: t.wallMs },
  ];
  const { sent, skipped, rateMs, wallMs, check, mem } = t;
  const kb = (n: number) => (n / 1000).toFixed(1);
  const view = {
    subscribers: fmtInt(SUBSCRIBERS),
    ...population,
    mix: people.mix,
    weeklyPct: people.weeklyPct,
    skipEmptyPct: people.skipEmptyPct,
    changedCountries: period.changedCountries.size,
    itemsMedian: median(people.itemsPerSubscriber),
    itemsP90: floorPercentile(people.itemsPerSubscriber, 90),
    itemsMax: maxOf(people.itemsPerSubscriber),
    withNothing: fmtInt(SUBSCRIBERS - people.expectedSent),
    asOf: AS_OF.toISOString(),
    tickBudgetS: TICK_BUDGET_MS / 1000,
    storedModels: fmtInt(stored.models.length),
    mjmlCalls: MJML_CALLS,
    rawSeconds: RAW.seconds,
    complete: t.complete,
    tick: t.complete
      ? `${fmtInt(t.rate)} digests/s (${(wallMs / 1000).toFixed(1)} s for ${fmtInt(sent)} sent + ${fmtInt(skipped)} skipped)`
      : `${fmtInt(t.rate)} digests/s (stopped at the ${TICK_BUDGET_MS / 1000} s budget: ${fmtInt(sent)} sent + ${fmtInt(skipped)} skipped of ${fmtInt(SUBSCRIBERS)} in ${(rateMs / 1000).toFixed(1)} s; ` +
        `whole tick ~${fmtInt((SUBSCRIBERS / (sent + skipped)) * (rateMs / 1000))} s)`,
    goals: Object.fromEntries(Object.entries(goals).map(([k, g]) => [k, goalView(g)])),
    sdk: `${fmtInt(posting.sdkRate)} emails/s (passes: ${posting.sdkRates.map(fmtInt).join(', ')})`,
    sdkRate: fmtInt(posting.sdkRate),
    raw: `${fmtInt(posting.rawRate)} emails/s (passes: ${posting.rawRates.map(fmtInt).join(', ')}; ${(posting.bodyBytes / 1e6).toFixed(1)} MB per request)`,
    rawRate: fmtInt(posting.rawRate),
    render:
      `stored models alone (nothing shared): median ${us(median(stored.renderMs))}, mean ${us(mean(stored.renderMs))}, p95 ${us(floorPercentile(stored.renderMs, 95))} ` +
      `(${fmtInt(1000 / mean(stored.renderMs))}/s on one core); as in the tick (each report filled once for all its readers): median ${us(tickFillMs)}, mean ${us(inTickRenderMs)} (${fmtInt(1000 / inTickRenderMs)}/s)`,
    mjml:
      `${mjml.mjmlMs.toFixed(1)} ms (compile ${median(mjml.compileMs).toFixed(1)} ms + fill): ${fmtRatio(mjml.mjmlRatio)} the precompiled fill as in the tick (median ${us(tickFillMs)}); ` +
      `${fmtRatio(mjml.mjmlRatioAlone)} a stored model filled alone, nothing shared (median ${us(median(stored.renderMs))})`,
    mjmlRatioAlone: fmtRatio(mjml.mjmlRatioAlone),
    size: `median ${kb(median(stored.sampleChars))} kB, p90 ${kb(floorPercentile(stored.sampleChars, 90))} kB; in the tick mean ${kb(timed.stats.chars / Math.max(1, timed.stats.emails))} kB`,
    storedItemsMedian: median(stored.storedItems),
    sampleKb: (median(stored.sampleChars) / 1000).toFixed(0),
    memory: `RSS ${mb(mem.peakRss)} (before ${mb(t.memBefore.rss)}); heap ${mb(mem.peakHeap)} (before ${mb(t.memBefore.heapUsed)}; peak ${t.heapMax[0]} in the first half, ${t.heapMax[1]} in the second)`,
    peakRss: mb(mem.peakRss),
    peakHeap: mb(mem.peakHeap),
    heapFirstHalf: t.heapMax[0],
    heapSecondHalf: t.heapMax[1],
    fake: `RSS ${mb(t.fakeUsage.rssBytes)} for ${fmtInt(t.delivered.length)} deliveries`,
    fakeRss: mb(t.fakeUsage.rssBytes),
    check:
      check.problems.join('; ') ||
      (t.complete
        ? `${fmtInt(check.inbox.size)} inboxes with 1 digest each = every subscriber expected; ${fmtInt(skipped)} skip-empty with nothing matching got none; cursors all at ${upTo}`
        : `of the ${fmtInt(sent + skipped)} subscribers the stopped tick closed: ${fmtInt(check.inbox.size)} inboxes with 1 digest each (= rows marked sent), ` +
          `${fmtInt(skipped)} skipped (all skip-empty with nothing matching), no delivery twice or to anyone else; the rest still pending, cursors untouched`),
    correctMet: r.met(check.problems.length === 0),
    stringifyMs: mean(posting.stringifyMs).toFixed(0),
    cpuShare: ((100 * t.cpuMs) / wallMs).toFixed(0),
    firstClaimsMs: median(claims.slice(0, tenth)).toFixed(1),
    lastClaimsMs: median(claims.slice(-tenth)).toFixed(1),
    enqueueMs: fmtInt((t.firstClaimAt ?? t.tickStart) - t.tickStart),
    claimPlan,
    batchMb: (posting.bodyBytes / 1e6).toFixed(1),
    fakeCpuPerBatch: posting.rawFakeCpuPerBatch.toFixed(0),
    fakeParseMs: mean(posting.fakeMs).toFixed(0),
    storage: {
      modelKb: (storage.modelBytesPerBatch / 1e3).toFixed(0),
      items: fmtInt(storage.items),
      itemMb: (storage.itemBytes / 1e6).toFixed(2),
      wholeMb: (storage.wholeBytesPerBatch / 1e6).toFixed(2),
    },
  };
  const tables = {
    profile: r.recordTable(stepRows, {
      step: (s) => s.step,
      '>statements': (s) => s.count,
      '>total ms': (s) => fmtInt(s.ms),
      [`>ms per batch of 100 (${batches} batches sent)`]: (s) => (s.ms / batches).toFixed(1),
      '>share of the tick': (s) => `${((100 * s.ms) / wallMs).toFixed(0)}%`,
    }),
  };
  return { view, tables };
}
