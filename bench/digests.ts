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
import { memorySampler, timed, timedMailer } from '../testkit/timing';
import { cpuMsSince, inTempDir, log } from './measure';
import { profiled, whereTimeGoes } from './profile';
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
const kB = (chars: number) => (chars / 1000).toFixed(1);
const renderTimes = (ms: number[]) => ({
  median: us(median(ms)),
  mean: us(mean(ms)),
  p95: us(floorPercentile(ms, 95)),
  perS: fmtInt(1000 / mean(ms)),
});
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
type Kind = 'plain' | 'keyed' | 'profiled';

/**
 * A fresh schema, the period's events and the subscribers (keyed: every tenth holding a key, the
 * types alternating), then one tick (profiled: under the CPU profiler) with the deps the app builds
 * and its mailer as production wires it with SMTP_URL set (encrypted mail through the SMTP relay,
 * the rest through Resend). `figures`: the tick's, formatted for the write-up.
 */
async function tickRun(kind: Kind, dataDir: string, fake: FakeResend) {
  const keysMade = kind === 'keyed' ? makeKeys() : undefined;
  keysMade?.catch(() => undefined);
  const url = benchDatabaseUrl();
  const { handle, drop } = await freshSchema(url, `bench_digests_${process.pid}_${kind}`);
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
  const tSetup = performance.now();
  const period = await population.seedPeriodEvents(deps, handle, clock);
  const people = await population.seedPopulation(handle, SUBSCRIBERS, period);
  const keys = await keysMade;
  const keyed = new Map<string, Keys[number]>();
  for (let j = 0; keys && 10 * j < people.emails.length; j++)
    keyed.set(people.emails[10 * j]!, keys[(j % 2) * KEYS_PER_TYPE + (Math.floor(j / 2) % KEYS_PER_TYPE)]!);
  for (const key of keys ?? []) {
    const emails = [...keyed].filter(([, k]) => k === key).map(([email]) => email);
    await sql`update subscribers set openpgp_key = ${key.armored}, openpgp_fingerprint = ${key.fingerprint},
      openpgp_confirmed_at = ${population.BEFORE_PERIOD} where email = any(${emails})`.execute(handle.db);
  }
  log(`  ${kind} setup took ${((performance.now() - tSetup) / 1000).toFixed(1)} s (${fmtInt(keyed.size)} key holders)`);
  // Warm the HTTP path and the JIT once (a tiny batch to the fake, outside the timing).
  const warm = Array.from({ length: 100 }, (_, i) => ({ to: `warm-${i}@example.org`, subject: 'warm', html: '<p>warm</p>', text: 'warm' }));
  for (let i = 0; i < 3; i++) await probes.rawPoster(fake, warm, EMAIL_FROM, `warm-${kind}`).post(i);
  await fake.reset();

  clock.set(AS_OF);
  timer.totals.clear();
  timer.series.clear();
  gc();
  const [memBefore, cpuBefore, sampler] = [process.memoryUsage(), process.cpuUsage(), memorySampler()];
  const tickStart = performance.now();
  let stoppedAt: number | undefined;
  const tick = () =>
    runDigestTick(deps, {
      asOf: AS_OF,
      trigger: 'bench',
      afterRecord: async () => {
        if (TICK_BUDGET_MS > 0 && performance.now() - tickStart > TICK_BUDGET_MS) {
          stoppedAt = performance.now();
          throw new BudgetReached();
        }
      },
    }).catch((error: unknown) => (error instanceof BudgetReached ? undefined : Promise.reject(error)));
  const { result, profile } = kind === 'profiled' ? await profiled(tick) : { result: await tick(), profile: undefined };
  const wallMs = (stoppedAt ?? performance.now()) - tickStart;
  const cpuMs = cpuMsSince(cpuBefore);
  const mem = sampler.stop();
  const complete = result !== undefined;
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
  const problems = check.problems.join('; ');
  const outcome = `${complete ? JSON.stringify(result) : 'STOPPED at its budget'}; ${fmtInt(rate)} digests/s`;
  log(`  ${kind} tick: ${outcome}; ${problems ? `PROBLEMS: ${problems}` : 'check passed'}`);
  const fakeUsage = await fake.usage();
  const half = tickStart + wallMs / 2;
  const heapMax = (inHalf: (t: number) => boolean) => mb(Math.max(...mem.series.filter((m) => inHalf(m.t)).map((m) => m.heap)));
  const claims = timer.series.get('select digests join for update') ?? [];
  const tenth = Math.max(1, Math.floor(claims.length / 10));
  const figures = {
    rate,
    complete,
    digestsPerS: fmtInt(rate),
    sent: fmtInt(sent),
    skipped: fmtInt(skipped),
    closed: fmtInt(sent + skipped),
    seconds: (rateMs / 1000).toFixed(1),
    wholeTickS: fmtInt((SUBSCRIBERS / (sent + skipped)) * (rateMs / 1000)),
    inboxes: fmtInt(check.inbox.size),
    deliveries: fmtInt(delivered.length),
    encrypted: fmtInt(delivered.filter((d) => d.encrypted).length),
    keyHolders: fmtInt(keyed.size),
    smtpPerEmail: us(smtp.stats.ms / Math.max(1, smtp.stats.emails)),
    smtpShare: ((100 * smtp.stats.ms) / wallMs).toFixed(0),
    cpuShare: ((100 * cpuMs) / wallMs).toFixed(0),
    meanKb: kB(timed.stats.chars / Math.max(1, timed.stats.emails)),
    peakRss: mb(mem.peakRss),
    rssBefore: mb(memBefore.rss),
    peakHeap: mb(mem.peakHeap),
    heapBefore: mb(memBefore.heapUsed),
    heapFirstHalf: heapMax((t) => t < half),
    heapSecondHalf: heapMax((t) => t >= half),
    fakeRss: mb(fakeUsage.rssBytes),
    firstClaimsMs: median(claims.slice(0, tenth)).toFixed(1),
    lastClaimsMs: median(claims.slice(-tenth)).toFixed(1),
    enqueueMs: fmtInt((firstClaimAt ?? tickStart) - tickStart),
    problems,
    steps: stepTable(timer.totals, timed.stats, { wallMs, cpuMs, fakeCpuMs: fakeUsage.cpuMs }),
    cpu: profile && whereTimeGoes([{ title: 'no-key tick', profiles: [profile], per: sent / 1000 }], 'ms per 1,000 digests'),
  };
  return { figures, sent, handle, drop, smtp, resendMailer, period, people, keyed, keys };
}
type TickRun = Awaited<ReturnType<typeof tickRun>>;

/** Where the tick's wall time goes: its SQL statements, its posts (and the fake's CPU), the posting idle, node's CPU. */
function stepTable(
  totals: ReturnType<typeof statementTimer>['totals'],
  posts: ReturnType<typeof timedMailer>['stats'],
  o: { wallMs: number; cpuMs: number; fakeCpuMs: number },
) {
  const statements = [...totals].sort((a, b) => b[1].ms - a[1].ms);
  // Posting batch N overlaps building batch N+1: a gap between one post's end and the next's start is time the next batch was not ready.
  const postingIdle = posts.callStarts.slice(1).reduce((sum, start, i) => sum + Math.max(0, start - posts.callEnds[i]!), 0);
  const rows = [
    ...statements.map(([label, st]) => ({ step: `SQL ${label}`, count: fmtInt(st.count), ms: st.ms })),
    { step: 'HTTP: mailer.sendBatch (SDK JSON + fetch + the fake), overlapping the next build', count: fmtInt(posts.calls), ms: posts.ms },
    { step: "of which the fake's CPU (its process)", count: '', ms: o.fakeCpuMs },
    { step: 'posting idle: the next batch not built yet when the previous post ended', count: '', ms: postingIdle },
    { step: 'node CPU (this process: runner, SDK, pg client)', count: '', ms: o.cpuMs },
    { step: 'tick (wall)', count: fmtInt(statements.reduce((a, [, st]) => a + st.count, 0)), ms: o.wallMs },
  ];
  return r.recordTable(rows, {
    step: (s) => s.step,
    '>statements': (s) => s.count,
    '>total ms': (s) => fmtInt(s.ms),
    [`>ms per batch of 100 (${posts.calls} batches sent)`]: (s) => (s.ms / posts.calls).toFixed(1),
    '>share of the tick': (s) => `${((100 * s.ms) / o.wallMs).toFixed(0)}%`,
  });
}

/** Encrypting one email alone (buildEncryptedEml: the MIME inside, OpenPGP encryption, the PGP/MIME outside) per key type, against the clear MIME. */
async function encryptionCost(t: TickRun) {
  const { rows } = await sql<{ email: string; model: RecordedModel }>`
    select s.email, d.model from digests d join subscribers s on s.id = d.subscriber_id
    where d.status = 'sent' and s.openpgp_key is not null order by d.id limit 600`.execute(t.handle.db);
  const models = await readRecordedModels(t.handle.db, rows.map(probes.modelOf));
  const messages = models.map((model, i) => ({ ...digestMessage(model), from: EMAIL_FROM, key: t.keyed.get(rows[i]!.email)! }));
  const envelope = (i: number) => ({ messageId: `<bench-${i}@smtp.tracker-alerts>`, date: AS_OF });
  const per = async <T>(list: readonly T[], f: (item: T, i: number) => unknown) => {
    const ms = [];
    for (const [i, item] of list.entries()) ms.push((await timed(() => f(item, i))).ms);
    return { median: us(median(ms)), p99: us(percentileUnsorted(ms, 99)), n: fmtInt(ms.length) };
  };
  const keysOf = (type: string) => (t.keys ?? []).filter((k) => k.type === type);
  const byType = [];
  for (const type of KEY_TYPES) {
    const list = messages.filter((m) => m.key.type === type);
    const seal = (m: (typeof list)[number], i: number) => buildEncryptedEml({ ...m, encryptTo: m.key.armored }, envelope(i));
    await per(list.slice(0, 10), seal); // warm; each key is parsed once, as in a run
    byType.push({
      type,
      encrypted: await per(list, seal),
      clear: await per(list, (m, i) => buildEml(m, envelope(i))),
      parse: await per(keysOf(type), (k) => readKey({ armoredKey: k.armored }).then((key) => key.toPublic())),
      kB: kB(median(list.map((m) => m.html.length + m.text.length))),
      // The same (up to) 100 emails as one batch through the tick's SMTP mailer, in clear and encrypted: what the transport adds.
      smtp: await Promise.all(
        [false, true].map(async (sealed) => {
          const batch = list.slice(0, 100).map(({ key, ...m }) => (sealed ? { ...m, encryptTo: key.armored } : m));
          const { ms } = await timed(() => t.smtp.mailer.sendBatch(batch, { idempotencyKey: `probe-${type}-${sealed}` }));
          return us(ms / batch.length);
        }),
      ),
    });
  }
  return byType;
}

/**
 * One tick of `kind`, then `probe` over what it left (timed alone), in this process: run as a
 * child, so each tick's memory is its own.
 */
async function tickAlone<T>(kind: Kind, probe: (t: TickRun, fake: FakeResend) => Promise<T>) {
  const fake = await startFakeResendProcess();
  try {
    return await inTempDir('bench-digests-', async (dataDir) => {
      const t = await tickRun(kind, dataDir, fake);
      const probed = await probe(t, fake);
      await t.smtp.mailer.close?.();
      await t.handle.close();
      if (process.env.BENCH_KEEP_SCHEMA !== '1') await t.drop();
      return { tick: t.figures, probed };
    });
  } finally {
    await fake.close();
  }
}

const ticks = {
  plain: () => tickAlone('plain', plainView),
  keyed: () => tickAlone('keyed', encryptionCost),
  profiled: () => tickAlone('profiled', async () => undefined),
};
if (process.argv.includes('--child') && process.argv[1] === fileURLToPath(import.meta.url)) serveCommands(ticks);

/** This file run as a child with the parent's exec arguments (tsx included), answering with one tick's figures. */
async function inChild<K extends Kind>(kind: K) {
  const child = await startServed(fileURLToPath(import.meta.url), { args: ['--child'] });
  return child.ask<Awaited<ReturnType<(typeof ticks)[K]>>>(kind).finally(child.close);
}

export async function run(): Promise<r.BenchResult> {
  const loadWait = await waitForQuietMachine(r.envNumber('BENCH_MAX_LOAD', 3), log);
  const runClock = r.startRun();
  log(
    `digests bench: ${fmtInt(SUBSCRIBERS)} subscribers, ${fmtInt(population.PERIOD_CHANGES)} changes in the period, ticks at ${AS_OF.toISOString()}`,
  );
  const plain = await inChild('plain');
  const loadBetween = loadAverage();
  const keyed = await inChild('keyed');
  log('  the no-key tick once more on fresh data, under the CPU profiler ...');
  const profiledRun = await inChild('profiled');
  if ([plain, keyed, profiledRun].some((child) => child.tick.problems)) process.exitCode = 1;
  const keyedGoal = goalView(r.atLeast(keyed.tick.rate / plain.tick.rate, 0.5));
  return {
    section: 'Digests (issue 6)',
    command:
      'npm run bench -- digests        # BENCH_SUBSCRIBERS=2000 BENCH_RAW_SECONDS=2 BENCH_MAX_LOAD=0 for a quick pass (no file written)',
    machine: { PostgreSQL: await postgresVersion(benchDatabaseUrl()) },
    run: runClock.finish(
      loadWait.waitedS >= 1 ? `the run waited ${loadWait.waitedS.toFixed(0)} s before it for the load average to drop` : undefined,
    ),
    write: r.writeUnless(SUBSCRIBERS !== 100_000, 'BENCH_SUBSCRIBERS'),
    body: r.writeUp(
      'digests',
      {
        ...plain.probed,
        ticks: [
          { ...plain.tick, name: 'no keys', vsPlain: fmtRatio(1) },
          { ...keyed.tick, name: `10% with keys (${KEY_TYPES.join(' / ')} half each)`, vsPlain: keyedGoal.value },
        ],
        plain: plain.tick,
        keyed: { ...keyed.tick, cost: keyed.probed, goal: keyedGoal, keysPerType: KEYS_PER_TYPE, loadBetween: loadBetween.toFixed(2) },
        profiledRate: profiledRun.tick.digestsPerS,
      },
      { steps: plain.tick.steps, cpu: profiledRun.tick.cpu! },
    ),
  };
}

/** The no-key run's workload and its parts timed alone (issue 6). */
async function plainView(t: TickRun, fake: FakeResend) {
  const { handle, people, period } = t;
  const claimPlan = await probes.explainClaim(handle, AS_OF);
  await fake.reset();
  const stored = await probes.renderStoredModels(handle, t.sent, RENDER_SAMPLE);
  const mjml = await probes.mjmlPerRecipient(median(stored.fillMs), stored.renderMs, MJML_CALLS);
  const posting = await probes.postingPasses(fake, stored.messages, t.resendMailer, EMAIL_FROM, RAW);
  const storage = await probes.measureRecord(handle, stored.models);
  const { rate } = t.figures;
  return {
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
    upTo: period.upTo,
    goals: {
      rate: goalView({ ...r.atLeast(rate, 1_000, fmtInt), unit: '/s' }),
      vsSdk: goalView(r.atLeast(rate / posting.sdkRate, 0.5)),
      vsRaw: goalView(r.atLeast(rate / posting.rawRate, 0.5)),
      mjml: goalView(r.atLeast(mjml.mjmlRatio, 50)),
    },
    sdk: { rate: fmtInt(posting.sdkRate), passes: posting.sdkRates.map(fmtInt).join(', ') },
    raw: { rate: fmtInt(posting.rawRate), passes: posting.rawRates.map(fmtInt).join(', ') },
    render: renderTimes(stored.renderMs),
    fill: renderTimes(stored.fillMs),
    mjml: { ms: mjml.mjmlMs.toFixed(1), compileMs: median(mjml.compileMs).toFixed(1), ratioAlone: fmtRatio(mjml.mjmlRatioAlone) },
    size: { median: kB(median(stored.sampleChars)), p90: kB(floorPercentile(stored.sampleChars, 90)), items: median(stored.storedItems) },
    stringifyMs: mean(posting.stringifyMs).toFixed(0),
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
}
