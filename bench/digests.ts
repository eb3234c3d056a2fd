/**
 * Issue 6 benchmark: one digest tick end to end on PostgreSQL, then its parts timed alone
 * (testkit/digest-probes.ts; workload and findings: bench/text/digests.md).
 *
 *   npm run bench -- digests
 *
 * Environment: BENCH_DATABASE_URL, BENCH_SUBSCRIBERS (default 100,000; BENCHMARKS.md is written only for 100,000),
 * BENCH_TICK_SECONDS (stop the tick, as a crash would, once it runs past this; default 120; 0 = never),
 * BENCH_RAW_BATCHES / BENCH_RAW_SECONDS (raw posts per pass: at most 300, at most 15 s), BENCH_RENDER_SAMPLE (stored models
 * rendered alone, default 2,000), BENCH_MJML_CALLS (default 20), BENCH_MAX_LOAD (wait, up to 10 minutes, until the
 * 1-minute load average is at most this; default 3; 0 = do not wait), BENCH_KEEP_SCHEMA (1: keep the schema), BENCH_WRITE (0: do not touch BENCHMARKS.md).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { sql } from 'kysely';
import { type DigestTickResult, runDigestTick } from '../src/alerts/digest/runner';
import { fixedClock } from '../src/clock';
import { createResendMailer } from '../src/email/resend';
import { createLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import { createBenchDeps } from '../testkit/bench-deps';
import { benchDatabaseUrl, freshSchema, postgresVersion } from '../testkit/db-targets';
import { checkDigestInboxes } from '../testkit/digest-inbox-check';
import * as population from '../testkit/digest-population';
import {
  digestLabel,
  explainClaim,
  FAKE_RESEND_KEY,
  measureRecord,
  mjmlPerRecipient,
  postingPasses,
  profileCompose,
  renderStoredModels,
} from '../testkit/digest-probes';
import { startFakeResendProcess } from '../testkit/fake-resend-process';
import { waitForQuietMachine } from '../testkit/machine';
import { rawBodies, rawPosting } from '../testkit/resend-posting';
import { statementTimer } from '../testkit/statement-timer';
import { maxOf, mean, median } from '../testkit/stats';
import { memorySampler, timedMailer } from '../testkit/timing';
import { inTempDir, log } from './measure';
import {
  type BenchResult,
  envNumber,
  fmtInt,
  fmtRatio,
  type Goal,
  goalCell,
  goalMet,
  goalValue,
  machineInfo,
  met,
  now,
  recordTable,
  startRun,
  us,
  writeUnless,
  writeUp,
} from './report';

const { AS_OF, floorPercentile } = population;
const SUBSCRIBERS = envNumber('BENCH_SUBSCRIBERS', 100_000, 100);
const RAW = { batches: envNumber('BENCH_RAW_BATCHES', 300, 10), seconds: envNumber('BENCH_RAW_SECONDS', 15, 1) };
const RENDER_SAMPLE = envNumber('BENCH_RENDER_SAMPLE', 2_000, 100);
const MJML_CALLS = envNumber('BENCH_MJML_CALLS', 20, 3);
const TICK_BUDGET_MS = envNumber('BENCH_TICK_SECONDS', 120, 0) * 1000;
const EMAIL_FROM = 'Tracker Alerts <alerts@example.org>';
const [GOAL_RATE, GOAL_VS_RAW, GOAL_MJML] = [1_000, 0.5, 50];

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Thrown from `afterRecord` when the tick runs past its time budget: the run stops as a crash would. */
class BudgetReached extends Error {}

export async function run(): Promise<BenchResult> {
  const url = benchDatabaseUrl();
  const loadWait = await waitForQuietMachine(envNumber('BENCH_MAX_LOAD', 3), log);
  const runClock = startRun();
  log(
    `digests bench: ${fmtInt(SUBSCRIBERS)} subscribers, ${fmtInt(population.PERIOD_CHANGES)} changes in the period, one tick at ${AS_OF.toISOString()}`,
  );
  const { handle, drop } = await freshSchema(url, `bench_digests_${process.pid}`);
  const resend = await startFakeResendProcess();
  try {
    return await inTempDir('bench-digests-', async (dataDir) => {
      let firstClaimAt: number | undefined;
      const timer = statementTimer(digestLabel, {
        keepSeries: true,
        onStart: (label, t) => {
          if (firstClaimAt === undefined && label === 'select digests join for update') firstClaimAt = t;
        },
      });
      const clock = fixedClock(population.BEFORE_PERIOD);
      const [logger, metrics] = [createLogger({ level: 'silent' }), createMetrics()];
      const mailerOptions = { baseUrl: resend.url, defaultFrom: EMAIL_FROM, clock, log: logger, metrics: metrics.email };
      const timed = timedMailer(createResendMailer({ apiKey: FAKE_RESEND_KEY, ...mailerOptions }));
      // The deps the app builds, with the Resend mailer pointed at the fake.
      const deps = createBenchDeps(
        { db: handle.db.withPlugin(timer.plugin), kind: 'postgres', pool: handle.pool },
        {
          NODE_ENV: 'development',
          PUBLIC_BASE_URL: 'https://alerts.example.org',
          DATA_DIR: dataDir,
          DATABASE_URL: url,
          RESEND_API_KEY: FAKE_RESEND_KEY,
          RESEND_BASE_URL: resend.url,
          EMAIL_FROM,
        },
        { clock, log: logger, metrics, mailer: timed.mailer },
      );
      const tSetup = now();
      const period = await population.seedPeriodEvents(deps, handle, clock);
      const { cursor, upTo } = period;
      const people = await population.seedPopulation(handle, SUBSCRIBERS, period, cursor, period.windowEvents);
      log(`  setup took ${((now() - tSetup) / 1000).toFixed(1)} s`);
      // Warm the HTTP path and the JIT once (a tiny batch to the fake, outside the timing).
      const warm = Array.from({ length: 100 }, (_, i) => ({
        to: `warm-${i}@example.org`,
        subject: 'warm',
        html: '<p>warm</p>',
        text: 'warm',
      }));
      await rawPosting({ url: resend.url, apiKey: FAKE_RESEND_KEY }, rawBodies(warm, EMAIL_FROM), 3, -1, 0);
      await resend.reset();

      clock.set(AS_OF);
      timer.totals.clear();
      timer.series.clear();
      gc();
      const [memBefore, cpuBefore, sampler] = [process.memoryUsage(), process.cpuUsage(), memorySampler()];
      const tickStart = now();
      let result: DigestTickResult | undefined;
      let stoppedAt: number | undefined;
      try {
        result = await runDigestTick(deps, {
          asOf: AS_OF,
          trigger: 'bench',
          afterRecord: async () => {
            if (TICK_BUDGET_MS > 0 && now() - tickStart > TICK_BUDGET_MS) {
              stoppedAt = now();
              throw new BudgetReached();
            }
          },
        });
      } catch (error) {
        if (!(error instanceof BudgetReached)) throw error;
      }
      const tickEnd = now();
      const cpuMs = ((u) => (u.user + u.system) / 1000)(process.cpuUsage(cpuBefore));
      const mem = sampler.stop();
      const complete = result !== undefined;
      const wallMs = (stoppedAt ?? tickEnd) - tickStart;
      // A stopped tick is measured up to its last batch marked sent (the batch recorded when the budget ran out is left unsent, as a crash would leave it).
      const rateMs = complete ? wallMs : timed.stats.lastCallAt - tickStart;
      const [statements, series] = [new Map(timer.totals), new Map(timer.series)];

      const { rows } = await sql<{ email: string; status: string; digest_cursor: number }>`
        select s.email, d.status, s.digest_cursor from digests d join subscribers s on s.id = d.subscriber_id`.execute(handle.db);
      const count = (status: string) => rows.filter((r) => r.status === status).length;
      const [sent, skipped] = [count('sent'), count('skipped')];
      const e2eRate = (sent / rateMs) * 1000;
      const delivered = await resend.deliveries();
      const { problems, inbox } = checkDigestInboxes({ delivered, rows, expected: people.expected, complete, cursor, upTo });
      if (rows.length !== SUBSCRIBERS) problems.push(`${rows.length} digest rows for ${SUBSCRIBERS} subscribers`);
      if (
        result &&
        (result.sent !== people.expectedSent || result.skipped !== SUBSCRIBERS - people.expectedSent || result.failed || result.deferred)
      )
        problems.push(`tick counts ${JSON.stringify(result)}, expected ${people.expectedSent} sent`);
      log(
        `  tick: ${complete ? JSON.stringify(result) : 'STOPPED at its budget'}; ${fmtInt(e2eRate)} digests/s; ${problems.length ? `PROBLEMS: ${problems.join('; ')}` : 'check passed'}`,
      );
      if (problems.length) process.exitCode = 1;

      // The parts, timed alone after the tick.
      const claimPlan = await explainClaim(handle, AS_OF);
      const fakeUsage = await resend.usage(); // its CPU during the tick and its memory (its delivery log grows with recipients)
      await resend.reset();
      const stored = await renderStoredModels(handle, sent, people.kindOf, RENDER_SAMPLE);
      const compose = await profileCompose(
        deps,
        handle,
        { cursor, upTo, subscribers: SUBSCRIBERS },
        Math.min(2_000, SUBSCRIBERS),
        people.kindOf,
      );
      const kinds = [...compose.byKind.values()].sort((a, b) => b.count - a.count);
      const inTickRenderMs = kinds.reduce((a, k) => a + k.count * k.renderMs, 0) / kinds.reduce((a, k) => a + k.count, 0);
      const tickFillMs = median(compose.renderAll);
      const mjml = await mjmlPerRecipient(tickFillMs, stored.renderMs, MJML_CALLS);
      const posting = await postingPasses(resend, stored.messages, mailerOptions, RAW);
      const storage = await measureRecord(handle, stored.models);

      const batches = timed.stats.calls;
      // Posting batch N overlaps building batch N+1: gaps between one post's end and the next's start are time the runner was not ready with the next batch.
      const postingIdle = timed.stats.callStarts.slice(1).reduce((sum, start, i) => sum + Math.max(0, start - timed.stats.callEnds[i]!), 0);
      const claims = series.get('select digests join for update') ?? [];
      const tenth = Math.max(1, Math.floor(claims.length / 10));
      const half = tickStart + wallMs / 2;
      const heapMax = (inHalf: (t: number) => boolean) => mb(Math.max(...mem.series.filter((m) => inHalf(m.t)).map((m) => m.heap)));
      const goals = {
        rate: { value: e2eRate, op: '>=', target: GOAL_RATE, show: fmtInt, unit: '/s' } satisfies Goal,
        vsSdk: { value: e2eRate / posting.sdkRate, op: '>=', target: GOAL_VS_RAW, show: fmtRatio } satisfies Goal,
        vsRaw: { value: e2eRate / posting.rawRate, op: '>=', target: GOAL_VS_RAW, show: fmtRatio } satisfies Goal,
        mjml: { value: mjml.mjmlRatio, op: '>=', target: GOAL_MJML, show: fmtRatio } satisfies Goal,
      };
      const stepRows = [
        ...[...statements]
          .sort((a, b) => b[1].ms - a[1].ms)
          .map(([label, st]) => ({ step: `SQL ${label}`, count: fmtInt(st.count), ms: st.ms })),
        {
          step: 'HTTP: mailer.sendBatch (SDK JSON + fetch + the fake in its own process), overlapping the next build',
          count: fmtInt(batches),
          ms: timed.stats.ms,
        },
        { step: "of which the fake's CPU (its process)", count: '', ms: fakeUsage.cpuMs },
        { step: 'posting idle: the next batch not built yet when the previous post ended', count: '', ms: postingIdle },
        {
          step: 'render: digestMessage x 100 (timed alone as in the tick, reports shared: mean x digests sent)',
          count: '',
          ms: inTickRenderMs * sent,
        },
        { step: 'node CPU (this process: runner, SDK, pg client)', count: '', ms: cpuMs },
        { step: 'tick (wall)', count: fmtInt([...statements.values()].reduce((a, st) => a + st.count, 0)), ms: wallMs },
      ];
      const kindTotal = kinds.reduce((a, k) => a + k.count * (k.buildMs + k.jsonMs + k.renderMs), 0);
      const view = {
        subscribers: fmtInt(SUBSCRIBERS),
        ...population,
        mix: people.mix,
        weeklyPct: ((100 * people.weekly) / SUBSCRIBERS).toFixed(0),
        skipEmptyPct: ((100 * people.skipEmpty) / SUBSCRIBERS).toFixed(0),
        changedCountries: period.changedCountries.size,
        itemsMedian: median(people.itemsPerSubscriber),
        itemsP90: floorPercentile(people.itemsPerSubscriber, 90),
        itemsMax: maxOf(people.itemsPerSubscriber),
        withNothing: fmtInt(SUBSCRIBERS - people.expectedSent),
        asOf: AS_OF.toISOString(),
        tickBudgetS: TICK_BUDGET_MS / 1000,
        storedModels: fmtInt(stored.models.length),
        builtModels: fmtInt(compose.renderAll.length),
        mjmlCalls: MJML_CALLS,
        rawSeconds: RAW.seconds,
        complete,
        tick: complete
          ? `${fmtInt(e2eRate)} digests/s (${(wallMs / 1000).toFixed(1)} s for ${fmtInt(sent)} sent + ${fmtInt(skipped)} skipped)`
          : `${fmtInt(e2eRate)} digests/s (stopped at the ${TICK_BUDGET_MS / 1000} s budget: ${fmtInt(sent)} sent + ${fmtInt(skipped)} skipped of ${fmtInt(SUBSCRIBERS)} in ${(rateMs / 1000).toFixed(1)} s; ` +
            `whole tick ~${fmtInt((SUBSCRIBERS / (sent + skipped)) * (rateMs / 1000))} s)`,
        goals: Object.fromEntries(
          Object.entries(goals as Record<string, Goal>).map(([k, g]) => [
            k,
            { cell: goalCell(g), met: met(goalMet(g)), value: goalValue(g) },
          ]),
        ),
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
        size:
          `median ${(median(stored.sampleChars) / 1000).toFixed(1)} kB, p90 ${(floorPercentile(stored.sampleChars, 90) / 1000).toFixed(1)} kB; ` +
          `in the tick mean ${(timed.stats.chars / Math.max(1, timed.stats.emails) / 1000).toFixed(1)} kB`,
        storedItemsMedian: median(stored.storedItems),
        sampleKb: (median(stored.sampleChars) / 1000).toFixed(0),
        memory: `RSS ${mb(mem.peakRss)} (before ${mb(memBefore.rss)}); heap ${mb(mem.peakHeap)} (before ${mb(memBefore.heapUsed)}; peak ${heapMax((t) => t < half)} in the first half, ${heapMax((t) => t >= half)} in the second)`,
        peakRss: mb(mem.peakRss),
        peakHeap: mb(mem.peakHeap),
        heapFirstHalf: heapMax((t) => t < half),
        heapSecondHalf: heapMax((t) => t >= half),
        fake: `RSS ${mb(fakeUsage.rssBytes)} for ${fmtInt(delivered.length)} deliveries`,
        fakeRss: mb(fakeUsage.rssBytes),
        check:
          problems.length > 0
            ? problems.join('; ')
            : complete
              ? `${fmtInt(inbox.size)} inboxes with 1 digest each = every subscriber expected; ${fmtInt(skipped)} skip-empty with nothing matching got none; cursors all at ${upTo}`
              : `of the ${fmtInt(sent + skipped)} subscribers the stopped tick closed: ${fmtInt(inbox.size)} inboxes with 1 digest each (= rows marked sent), ` +
                `${fmtInt(skipped)} skipped (all skip-empty with nothing matching), no delivery twice or to anyone else; the rest still pending, cursors untouched`,
        correctMet: met(problems.length === 0),
        stringifyMs: mean(posting.stringifyMs).toFixed(0),
        cpuShare: ((100 * cpuMs) / wallMs).toFixed(0),
        firstClaimsMs: median(claims.slice(0, tenth)).toFixed(1),
        lastClaimsMs: median(claims.slice(-tenth)).toFixed(1),
        enqueueMs: fmtInt((firstClaimAt ?? tickStart) - tickStart),
        linksUs: us(compose.linksMs),
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
      return {
        section: 'Digests (issue 6)',
        command:
          'npm run bench -- digests        # BENCH_SUBSCRIBERS=2000 BENCH_RAW_SECONDS=2 BENCH_MAX_LOAD=0 for a quick pass (no file written)',
        machine: machineInfo({ PostgreSQL: await postgresVersion(url) }),
        run: runClock.finish(
          loadWait.waitedS >= 1 ? `the run waited ${loadWait.waitedS.toFixed(0)} s before it for the load average to drop` : undefined,
        ),
        write: writeUnless(SUBSCRIBERS !== 100_000, 'BENCH_SUBSCRIBERS'),
        blocks: writeUp('digests', view, {
          profile: recordTable(stepRows, {
            step: (r) => r.step,
            '>statements': (r) => r.count,
            '>total ms': (r) => fmtInt(r.ms),
            [`>ms per batch of 100 (${batches} batches sent)`]: (r) => (r.ms / batches).toFixed(1),
            '>share of the tick': (r) => `${((100 * r.ms) / wallMs).toFixed(0)}%`,
          }),
          kinds: recordTable(kinds, {
            'subscriber chose': (k) => k.kind,
            '>share': (k) => `${((100 * (people.kinds.get(k.kind) ?? 0)) / SUBSCRIBERS).toFixed(0)}%`,
            '>items (median)': (k) => String(k.items),
            '>buildDigest (mean)': (k) => us(k.buildMs),
            '>recorded model JSON (median)': (k) => `${(k.jsonBytes / 1000).toFixed(1)} kB`,
            '>JSON.stringify (mean)': (k) => us(k.jsonMs),
            '>digestMessage, stored model alone (mean)': (k) =>
              ((ms) => (Number.isFinite(ms) ? us(ms) : 'n/a'))(mean(stored.renderByKind.get(k.kind) ?? [Number.NaN])),
            '>digestMessage as in the tick, reports shared (mean)': (k) => us(k.renderMs),
            '>share of compose + JSON + render (as in the tick)': (k) =>
              `${((100 * k.count * (k.buildMs + k.jsonMs + k.renderMs)) / kindTotal).toFixed(0)}%`,
          }),
        }),
      };
    });
  } finally {
    await resend.close();
    await handle.close();
    if (process.env.BENCH_KEEP_SCHEMA !== '1') await drop();
  }
}
