/**
 * Issue 6 benchmark: one digest tick end to end on PostgreSQL (workload and findings: bench/text/digests.md).
 *
 *   npm run bench -- digests
 *
 * Environment: BENCH_DATABASE_URL, BENCH_SUBSCRIBERS (default 100,000; BENCHMARKS.md is written only for 100,000),
 * BENCH_TICK_SECONDS (stop the tick, as a crash would, once it runs past this; default 120; 0 = never),
 * BENCH_RAW_BATCHES / BENCH_RAW_SECONDS (raw posts per pass: at most 300, at most 15 s), BENCH_RENDER_SAMPLE (stored models
 * rendered alone, default 2,000), BENCH_MJML_CALLS (default 20), BENCH_MAX_LOAD (wait, up to 10 minutes, until the
 * 1-minute load average is at most this; default 3; 0 = do not wait), BENCH_KEEP_SCHEMA (1: keep the schema), BENCH_WRITE (0: do not touch BENCHMARKS.md).
 */

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { sql } from 'kysely';
import { buildDigest } from '../src/alerts/digest/build';
import { digestMessage } from '../src/alerts/digest/message';
import { type DigestTickResult, runDigestTick } from '../src/alerts/digest/runner';
import { indexChangeWindow } from '../src/alerts/digest/window';
import { fixedClock } from '../src/clock';
import { listChangesBetween } from '../src/db/changes';
import { type DatabaseHandle, openPostgres } from '../src/db/connect';
import { readRecordedModels, recordModel } from '../src/db/digest-items';
import type { RecordedModel } from '../src/db/digest-model';
import type { ClaimedDigest } from '../src/db/digests';
import { loadEvents } from '../src/db/events';
import { migrateToLatest } from '../src/db/migrate';
import { createResendMailer, type ResendMailerOptions } from '../src/email/resend';
import type { EmailMessage } from '../src/email/transport';
import { createLogger } from '../src/log';
import { createMetrics } from '../src/metrics';
import type { Deps } from '../src/services';
import { subscriberLinks } from '../src/subscribers/links';
import { taxonomySeed } from '../src/taxonomy/seed';
import { compileMjml, templatesDir } from '../src/templates/compile';
import { renderDigestEmail } from '../src/templates/digest-email';
import { prepareTemplate } from '../src/templates/fill';
import type { DigestModel } from '../src/templates/models';
import { createBenchDeps } from '../testkit/bench-deps';
import { adminQueryAt as adminQuery, benchDatabaseUrl, postgresVersion } from '../testkit/db-targets';
import { checkDigestInboxes } from '../testkit/digest-inbox-check';
import {
  AS_OF,
  BEFORE_PERIOD,
  EARLIER_EVENTS,
  EARLIER_FLIPS,
  EARLIER_UPDATES,
  floorPercentile,
  NEW_EDITS,
  NEW_EVENTS,
  NEW_FLIPS,
  PERIOD_CHANGES,
  seedPeriodEvents,
  seedPopulation,
} from '../testkit/digest-population';
import { startFakeResendProcess } from '../testkit/fake-resend-process';
import { waitForQuietMachine } from '../testkit/machine';
import { mailerPosting, rawBodies, rawPayloads, rawPosting } from '../testkit/resend-posting';
import { type StatementShape, statementTimer } from '../testkit/statement-timer';
import { maxOf, mean, median } from '../testkit/stats';
import { memorySampler, timedMailer } from '../testkit/timing';
import {
  type BenchResult,
  fmtInt,
  fmtRatio,
  met as goalMet,
  machineInfo,
  now,
  startRun,
  type TableColumn,
  writeUnless,
  writeUp,
} from './report';

export const name = 'digests';

const SUBSCRIBERS = Math.max(100, Number(process.env.BENCH_SUBSCRIBERS ?? 100_000));
const STANDARD_SUBSCRIBERS = 100_000;
const RAW_BATCHES = Math.max(10, Number(process.env.BENCH_RAW_BATCHES ?? 300));
const RENDER_SAMPLE = Math.max(100, Number(process.env.BENCH_RENDER_SAMPLE ?? 2_000));
const MJML_CALLS = Math.max(3, Number(process.env.BENCH_MJML_CALLS ?? 20));
const RAW_SECONDS = Math.max(1, Number(process.env.BENCH_RAW_SECONDS ?? 15));
const TICK_BUDGET_MS = Math.max(0, Number(process.env.BENCH_TICK_SECONDS ?? 120)) * 1000;
const MAX_LOAD = Number(process.env.BENCH_MAX_LOAD ?? 3);

const EMAIL_FROM = 'Tracker Alerts <alerts@example.org>';
const API_KEY = 're_test_fake_key';
const APP_SECRET = 'bench-app-secret-0123456789-0123456789-0123456789';

const GOAL_RATE = 1_000;
const GOAL_VS_RAW = 0.5;
const GOAL_MJML = 50;

const log = (line: string) => console.log(line);

const digestLabel = ({ kind, table, joined, locking, text }: StatementShape): string => {
  if (kind === 'SelectQueryNode') return `select ${table ?? '?'}${joined ? ' join' : ''}${locking ? ' for update' : ''}`;
  if (kind === 'InsertQueryNode') return `insert ${table ?? '?'}`;
  if (kind === 'UpdateQueryNode') return `update ${table ?? '?'}`;
  if (kind === 'DeleteQueryNode') return 'delete';
  if (kind !== 'RawNode') return kind;
  if (text === 'with $ select id from batch')
    return 'record batch: batch + rows + new report lines (+ empty digests closed, cursors), one statement';
  if (text.includes("update digests set status = 'sent'")) return 'mark sent: batch + rows + cursors, one statement';
  if (text === 'with $ select 1') return 'close empty digests + cursors, one statement';
  return `raw: ${text.slice(0, 50)}`;
};

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Thrown from `afterRecord` when the tick runs past its time budget: the run stops as a crash would. */
class BudgetReached extends Error {}

const us = (ms: number) => `${fmtInt(ms * 1000)} µs`;

export async function run(): Promise<BenchResult> {
  const url = benchDatabaseUrl();
  const loadWait = await waitForQuietMachine(MAX_LOAD, log);
  const runClock = startRun();
  log(
    `digests bench: ${fmtInt(SUBSCRIBERS)} subscribers, ${fmtInt(PERIOD_CHANGES)} changes in the period, one tick at ${AS_OF.toISOString()}`,
  );

  const pgVersion = await postgresVersion(url);
  const schema = `bench_digests_${process.pid}`;
  await adminQuery(url, `drop schema if exists ${schema} cascade; create schema ${schema}`);
  const handle = openPostgres(url, { searchPath: schema });
  const resend = await startFakeResendProcess();
  const fake = { url: resend.url, apiKey: API_KEY };
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-digests-'));
  try {
    await migrateToLatest(handle.db, taxonomySeed);
    let firstClaimAt: number | undefined;
    const timer = statementTimer(digestLabel, {
      keepSeries: true,
      onStart: (label, t) => {
        if (firstClaimAt === undefined && label.startsWith('select digests join') && label.endsWith('for update')) firstClaimAt = t;
      },
    });
    const db = handle.db.withPlugin(timer.plugin);
    const clock = fixedClock(BEFORE_PERIOD);
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics();
    const timed = timedMailer(
      createResendMailer({ apiKey: API_KEY, baseUrl: resend.url, defaultFrom: EMAIL_FROM, clock, log: logger, metrics: metrics.email }),
    );
    // The deps the app builds, with the Resend mailer pointed at the fake.
    const deps: Deps = createBenchDeps(
      { db, kind: 'postgres', pool: handle.pool },
      {
        NODE_ENV: 'development',
        APP_SECRET,
        ADMIN_TOKEN: 'bench-admin-token-0123456789',
        PUBLIC_BASE_URL: 'https://alerts.example.org',
        DATA_DIR: dataDir,
        DATABASE_URL: url,
        RESEND_API_KEY: API_KEY,
        RESEND_BASE_URL: resend.url,
        EMAIL_FROM,
      },
      { clock, log: logger, metrics, mailer: timed.mailer },
    );

    const tSetup = now();
    const { active, quiet, cursor, upTo, windowEvents, changedCountries } = await seedPeriodEvents(deps, handle, clock);
    const { expected, kindOf, itemsPerSubscriber, expectedSent, kinds, weekly, skipEmpty, mix } = await seedPopulation(
      handle,
      SUBSCRIBERS,
      { active, quiet },
      cursor,
      windowEvents,
    );
    log(`  setup took ${((now() - tSetup) / 1000).toFixed(1)} s`);

    // Warm the HTTP path and the JIT once (a tiny batch to the fake, outside the timing).
    const warmBodies = rawBodies(
      Array.from({ length: 100 }, (_, i) => ({ to: `warm-${i}@example.org`, subject: 'warm', html: '<p>warm</p>', text: 'warm' })),
      EMAIL_FROM,
    );
    await rawPosting(fake, warmBodies, 3, -1, 0);
    await resend.reset();

    clock.set(AS_OF);
    timer.totals.clear();
    timer.series.clear();
    gc();
    const memBefore = process.memoryUsage();
    const cpuBefore = process.cpuUsage();
    const sampler = memorySampler();
    const recordedAt: number[] = [];
    const tickStart = now();
    let result: DigestTickResult | undefined;
    let stoppedAt: number | undefined;
    try {
      result = await runDigestTick(deps, {
        asOf: AS_OF,
        trigger: 'bench',
        afterRecord: async () => {
          const t = now();
          if (TICK_BUDGET_MS > 0 && t - tickStart > TICK_BUDGET_MS) {
            stoppedAt = t;
            throw new BudgetReached();
          }
          recordedAt.push(t);
        },
      });
    } catch (error) {
      if (!(error instanceof BudgetReached)) throw error;
    }
    const tickEnd = now();
    const cpu = process.cpuUsage(cpuBefore);
    const mem = sampler.stop();
    const complete = result !== undefined;
    const wallMs = (stoppedAt ?? tickEnd) - tickStart;
    // A stopped tick is measured up to its last batch marked sent (the batch recorded when the
    // budget ran out is left unsent, as a crash would leave it).
    const rateMs = complete ? wallMs : timed.stats.lastCallAt - tickStart;
    const tickStatements = new Map(timer.totals);
    const tickSeries = new Map(timer.series);
    const firstClaimStart = firstClaimAt ?? tickStart;

    const rowsNow = await sql<{ email: string; status: string; digest_cursor: number }>`
      select s.email, d.status, s.digest_cursor from digests d join subscribers s on s.id = d.subscriber_id`.execute(handle.db);
    const statuses: Record<string, number> = {};
    for (const r of rowsNow.rows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const sent = statuses.sent ?? 0;
    const skipped = statuses.skipped ?? 0;
    const e2eRate = (sent / rateMs) * 1000;
    const fullTickEstimateS = complete ? wallMs / 1000 : (SUBSCRIBERS / (sent + skipped)) * (rateMs / 1000);
    const cpuShare = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    log(
      `  tick: ${complete ? JSON.stringify(result) : `STOPPED at the ${TICK_BUDGET_MS / 1000} s budget`}; digest rows ${JSON.stringify(statuses)}; ` +
        `${fmtInt(e2eRate)} digests/s (${fmtInt(sent)} sent, ${fmtInt(skipped)} skipped in ${(rateMs / 1000).toFixed(1)} s)` +
        `${complete ? '' : `; a whole tick would take ~${fmtInt(fullTickEstimateS)} s`}; node CPU ${cpuShare.toFixed(0)}% of wall; ` +
        `peak RSS ${mb(mem.peakRss)} (before ${mb(memBefore.rss)}), peak heap ${mb(mem.peakHeap)} (before ${mb(memBefore.heapUsed)})`,
    );

    const delivered = await resend.deliveries();
    const { problems, inbox } = checkDigestInboxes({ delivered, rows: rowsNow.rows, expected, complete, cursor, upTo });
    if (rowsNow.rows.length !== SUBSCRIBERS) problems.push(`${rowsNow.rows.length} digest rows for ${SUBSCRIBERS} subscribers`);
    if (result && (result.sent !== expectedSent || result.skipped !== SUBSCRIBERS - expectedSent || result.failed || result.deferred)) {
      problems.push(`tick counts ${JSON.stringify(result)}, expected ${expectedSent} sent`);
    }
    const correct = problems.length === 0;
    const checkSummary = complete
      ? `${fmtInt(inbox.size)} inboxes with 1 digest each = every subscriber expected; ${fmtInt(skipped)} skip-empty with nothing matching got none; cursors all at ${upTo}`
      : `of the ${fmtInt(sent + skipped)} subscribers the stopped tick closed: ${fmtInt(inbox.size)} inboxes with 1 digest each (= rows marked sent), ` +
        `${fmtInt(skipped)} skipped (all skip-empty with nothing matching), no delivery twice or to anyone else; the rest still pending, cursors untouched`;
    log(`  check: ${correct ? checkSummary : `PROBLEMS: ${problems.join('; ')}`}`);

    // The claim's plan with the tick's rows in place (in a transaction that is rolled back).
    const claimPlan = await explainClaim(handle);
    log(`  claim plan now: ${claimPlan}`);

    // The fake's own process: its CPU during the tick and its memory (its delivery log grows with recipients).
    const fakeUsage = await resend.usage();
    await resend.reset();
    const half = tickStart + wallMs / 2;
    const heapFirstHalf = Math.max(...mem.series.filter((m) => m.t < half).map((m) => m.heap));
    const heapSecondHalf = Math.max(...mem.series.filter((m) => m.t >= half).map((m) => m.heap));

    const { models, renderMs, renderByKind, messages, storedItems, sampleChars } = await renderStoredModels(handle, sent, kindOf);

    const composeProbe = await profileCompose(deps, handle, cursor, upTo, Math.min(2_000, SUBSCRIBERS), kindOf);
    const inTickRenderMs =
      [...composeProbe.byKind.values()].reduce((a, k) => a + k.count * k.renderMs, 0) /
      [...composeProbe.byKind.values()].reduce((a, k) => a + k.count, 0);
    const tickFillMs = median(composeProbe.renderAll);

    const { compileMs, mjmlMs, mjmlRatio, mjmlRatioAlone } = await mjmlPerRecipient(tickFillMs, renderMs);

    const { rawRates, rawRate, sdkRates, sdkRate, bodyBytes, fakeMs, stringifyMs, rawFakeCpuPerBatch } = await postingPasses(
      resend,
      messages,
      {
        clock,
        log: logger,
        metrics: metrics.email,
      },
    );

    const storage = await measureRecord(handle, models);
    const storageLine =
      `Recorded per batch of 100: ${(storage.modelBytesPerBatch / 1e3).toFixed(0)} kB of models (each report a reference), and ${fmtInt(storage.items)} report lines ` +
      `of ${(storage.itemBytes / 1e6).toFixed(2)} MB stored once for the whole tick (\`digest_items\`); whole models would be ${(storage.wholeBytesPerBatch / 1e6).toFixed(2)} MB per batch.`;
    log(`  ${storageLine}`);

    const batches = timed.stats.calls;
    // Posting batch N overlaps building batch N+1: gaps between one post's end and the next's start
    // are time the runner was not ready with the next batch (the sender waited for the builder).
    const postingIdle = timed.stats.callStarts.slice(1).reduce((sum, start, i) => sum + Math.max(0, start - timed.stats.callEnds[i]!), 0);
    const sqlRows = [...tickStatements].sort((a, b) => b[1].ms - a[1].ms);
    const _sqlMs = sqlRows.reduce((a, [, st]) => a + st.ms, 0);
    const enqueueMs = firstClaimStart - tickStart;
    const claims = tickSeries.get('select digests join for update') ?? [];
    const tenth = Math.max(1, Math.floor(claims.length / 10));
    const firstClaims = claims.slice(0, tenth);
    const lastClaims = claims.slice(-tenth);
    const perBatch = (ms: number) => (ms / batches).toFixed(1);
    const share = (ms: number) => `${((100 * ms) / wallMs).toFixed(0)}%`;
    const profileColumns: TableColumn[] = [
      { title: 'step' },
      { title: 'statements', align: 'right' },
      { title: 'total ms', align: 'right' },
      { title: `ms per batch of 100 (${batches} batches sent)`, align: 'right' },
      { title: 'share of the tick', align: 'right' },
    ];
    const profileRows: string[][] = [
      ...sqlRows.map(([label, st]) => [`SQL ${label}`, fmtInt(st.count), fmtInt(st.ms), perBatch(st.ms), share(st.ms)]),
      [
        'HTTP: mailer.sendBatch (SDK JSON + fetch + the fake in its own process), overlapping the next build',
        fmtInt(timed.stats.calls),
        fmtInt(timed.stats.ms),
        perBatch(timed.stats.ms),
        share(timed.stats.ms),
      ],
      ["of which the fake's CPU (its process)", '', fmtInt(fakeUsage.cpuMs), perBatch(fakeUsage.cpuMs), share(fakeUsage.cpuMs)],
      [
        'posting idle: the next batch not built yet when the previous post ended',
        '',
        fmtInt(postingIdle),
        perBatch(postingIdle),
        share(postingIdle),
      ],
      [
        'render: digestMessage x 100 (timed alone as in the tick, reports shared: mean x digests sent)',
        '',
        fmtInt(inTickRenderMs * sent),
        perBatch(inTickRenderMs * sent),
        share(inTickRenderMs * sent),
      ],
      [
        'node CPU (this process: runner, SDK, pg client)',
        '',
        fmtInt((cpu.user + cpu.system) / 1000),
        perBatch((cpu.user + cpu.system) / 1000),
        share((cpu.user + cpu.system) / 1000),
      ],
      ['tick (wall)', fmtInt([...tickStatements.values()].reduce((a, st) => a + st.count, 0)), fmtInt(wallMs), perBatch(wallMs), '100%'],
    ];

    const kindColumns: TableColumn[] = [
      { title: 'subscriber chose' },
      { title: 'share', align: 'right' },
      { title: 'items (median)', align: 'right' },
      { title: 'buildDigest (mean)', align: 'right' },
      { title: 'recorded model JSON (median)', align: 'right' },
      { title: 'JSON.stringify (mean)', align: 'right' },
      { title: 'digestMessage, stored model alone (mean)', align: 'right' },
      { title: 'digestMessage as in the tick, reports shared (mean)', align: 'right' },
      { title: 'share of compose + JSON + render (as in the tick)', align: 'right' },
    ];
    const kindTotal = [...composeProbe.byKind.values()].reduce((a, k) => a + k.count * (k.buildMs + k.jsonMs + k.renderMs), 0);
    const kindRows = [...composeProbe.byKind.values()]
      .sort((a, b) => b.count - a.count)
      .map((k) => {
        const render = mean(renderByKind.get(k.kind) ?? [Number.NaN]);
        return [
          k.kind,
          `${((100 * (kinds.get(k.kind) ?? 0)) / SUBSCRIBERS).toFixed(0)}%`,
          String(k.items),
          us(k.buildMs),
          `${(k.jsonBytes / 1000).toFixed(1)} kB`,
          us(k.jsonMs),
          Number.isFinite(render) ? us(render) : 'n/a',
          us(k.renderMs),
          `${((100 * k.count * (k.buildMs + k.jsonMs + k.renderMs)) / kindTotal).toFixed(0)}%`,
        ];
      });

    const columns: TableColumn[] = [{ title: 'measure' }, { title: 'result', align: 'right' }, { title: 'goal' }];
    const e2eVsRaw = e2eRate / rawRate;
    const e2eVsSdk = e2eRate / sdkRate;
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const tickCell = complete
      ? `${fmtInt(e2eRate)} digests/s (${(wallMs / 1000).toFixed(1)} s for ${fmtInt(sent)} sent + ${fmtInt(skipped)} skipped)`
      : `${fmtInt(e2eRate)} digests/s (stopped at the ${TICK_BUDGET_MS / 1000} s budget: ${fmtInt(sent)} sent + ${fmtInt(skipped)} skipped of ${fmtInt(SUBSCRIBERS)} in ${(rateMs / 1000).toFixed(1)} s; whole tick ~${fmtInt(fullTickEstimateS)} s)`;
    const rows: string[][] = [
      [
        'one tick end to end (enqueue + claim + compose + record + render + send + mark sent)',
        tickCell,
        `>= ${fmtInt(GOAL_RATE)}/s: ${met(e2eRate >= GOAL_RATE)}`,
      ],
      [
        '(b) raw posting of the same batches through the mailer the tick uses (resend SDK: serialise + fetch), one at a time, no rendering, no database',
        `${fmtInt(sdkRate)} emails/s (passes: ${sdkRates.map(fmtInt).join(', ')})`,
        '',
      ],
      [
        '(b) raw posting of the same batches as bodies serialised beforehand, plain fetch, one at a time',
        `${fmtInt(rawRate)} emails/s (passes: ${rawRates.map(fmtInt).join(', ')}; ${(bodyBytes / 1e6).toFixed(1)} MB per request)`,
        '',
      ],
      ['end to end / raw posting through the mailer', fmtRatio(e2eVsSdk), `>= ${GOAL_VS_RAW}x: ${met(e2eVsSdk >= GOAL_VS_RAW)}`],
      [
        'end to end / raw posting of bodies serialised beforehand',
        fmtRatio(e2eVsRaw),
        `>= ${GOAL_VS_RAW}x: ${met(e2eVsRaw >= GOAL_VS_RAW)}`,
      ],
      [
        'render per digest: digestMessage(model)',
        `stored models alone (nothing shared): median ${us(median(renderMs))}, mean ${us(mean(renderMs))}, p95 ${us(floorPercentile(renderMs, 95))} (${fmtInt(1000 / mean(renderMs))}/s on one core); ` +
          `as in the tick (each report filled once for all its readers): median ${us(tickFillMs)}, mean ${us(inTickRenderMs)} (${fmtInt(1000 / inTickRenderMs)}/s)`,
        '',
      ],
      [
        '(a) mjml2html per recipient (compile + parse), then the same fill',
        `${mjmlMs.toFixed(1)} ms (compile ${median(compileMs).toFixed(1)} ms + fill): ${fmtRatio(mjmlRatio)} the precompiled fill as in the tick (median ${us(tickFillMs)}); ` +
          `${fmtRatio(mjmlRatioAlone)} a stored model filled alone, nothing shared (median ${us(median(renderMs))})`,
        `>= ${GOAL_MJML}x slower: ${met(mjmlRatio >= GOAL_MJML)}`,
      ],
      [
        'email size (HTML + text, sample)',
        `median ${(median(sampleChars) / 1000).toFixed(1)} kB, p90 ${(floorPercentile(sampleChars, 90) / 1000).toFixed(1)} kB; in the tick mean ${(timed.stats.chars / Math.max(1, timed.stats.emails) / 1000).toFixed(1)} kB`,
        '',
      ],
      [
        'peak memory during the tick (sampled every 20 ms)',
        `RSS ${mb(mem.peakRss)} (before ${mb(memBefore.rss)}); heap ${mb(mem.peakHeap)} (before ${mb(memBefore.heapUsed)}; peak ${mb(heapFirstHalf)} in the first half, ${mb(heapSecondHalf)} in the second)`,
        'bounded',
      ],
      [
        "the fake Resend's own process after the tick (its delivery log grows with recipients)",
        `RSS ${mb(fakeUsage.rssBytes)} for ${fmtInt(delivered.length)} deliveries`,
        '',
      ],
      ['correctness after the tick', correct ? checkSummary : problems.join('; '), met(correct)],
    ];
    if (!correct) process.exitCode = 1;
    return {
      section: 'Digests (issue 6)',
      command:
        'npm run bench -- digests        # BENCH_SUBSCRIBERS=2000 BENCH_RAW_SECONDS=2 BENCH_MAX_LOAD=0 for a quick pass (no file written)',
      machine: machineInfo({ PostgreSQL: pgVersion }),
      run: runClock.finish(
        loadWait.waitedS >= 1 ? `the run waited ${loadWait.waitedS.toFixed(0)} s before it for the load average to drop` : undefined,
      ),
      write: writeUnless(SUBSCRIBERS !== STANDARD_SUBSCRIBERS, 'BENCH_SUBSCRIBERS'),
      blocks: writeUp(
        'digests',
        {
          subscribers: fmtInt(SUBSCRIBERS),
          mix,
          weeklyPct: ((100 * weekly) / SUBSCRIBERS).toFixed(0),
          skipEmptyPct: ((100 * skipEmpty) / SUBSCRIBERS).toFixed(0),
          earlierEvents: EARLIER_EVENTS,
          periodChanges: fmtInt(PERIOD_CHANGES),
          newEvents: fmtInt(NEW_EVENTS),
          changedCountries: changedCountries.size,
          earlierUpdates: EARLIER_UPDATES,
          earlierFlips: EARLIER_FLIPS,
          newEdits: NEW_EDITS,
          newFlips: NEW_FLIPS,
          itemsMedian: median(itemsPerSubscriber),
          itemsP90: floorPercentile(itemsPerSubscriber, 90),
          itemsMax: maxOf(itemsPerSubscriber),
          withNothing: fmtInt(SUBSCRIBERS - expectedSent),
          asOf: AS_OF.toISOString(),
          tickBudgetS: TICK_BUDGET_MS / 1000,
          storedModels: fmtInt(models.length),
          builtModels: fmtInt(composeProbe.renderAll.length),
          mjmlCalls: MJML_CALLS,
          rawSeconds: RAW_SECONDS,
          goalRate: fmtInt(GOAL_RATE),
          rateMet: goalMet(e2eRate >= GOAL_RATE),
          e2eRate: fmtInt(e2eRate),
          goalVsRaw: GOAL_VS_RAW,
          vsSdkMet: goalMet(e2eVsSdk >= GOAL_VS_RAW),
          vsSdk: fmtRatio(e2eVsSdk),
          sdkRate: fmtInt(sdkRate),
          vsRawMet: goalMet(e2eVsRaw >= GOAL_VS_RAW),
          vsRaw: fmtRatio(e2eVsRaw),
          rawRate: fmtInt(rawRate),
          stringifyMs: mean(stringifyMs).toFixed(0),
          goalMjml: GOAL_MJML,
          mjmlMet: goalMet(mjmlRatio >= GOAL_MJML),
          mjmlRatio: fmtRatio(mjmlRatio),
          storedItemsMedian: median(storedItems),
          sampleKb: (median(sampleChars) / 1000).toFixed(0),
          mjmlRatioAlone: fmtRatio(mjmlRatioAlone),
          peakRss: mb(mem.peakRss),
          peakHeap: mb(mem.peakHeap),
          heapFirstHalf: mb(heapFirstHalf),
          heapSecondHalf: mb(heapSecondHalf),
          fakeRss: mb(fakeUsage.rssBytes),
          correctMet: goalMet(correct),
          complete,
          cpuShare: cpuShare.toFixed(0),
          firstClaimsMs: median(firstClaims).toFixed(1),
          lastClaimsMs: median(lastClaims).toFixed(1),
          enqueueMs: fmtInt(enqueueMs),
          linksUs: us(composeProbe.linksMs),
          claimPlan,
          batchMb: (bodyBytes / 1e6).toFixed(1),
          fakeCpuPerBatch: rawFakeCpuPerBatch.toFixed(0),
          fakeParseMs: mean(fakeMs).toFixed(0),
          storageLine,
        },
        {
          results: { columns, rows },
          profile: { columns: profileColumns, rows: profileRows },
          kinds: { columns: kindColumns, rows: kindRows },
        },
      ),
    };
  } finally {
    await resend.close();
    await handle.close();
    if (process.env.BENCH_KEEP_SCHEMA !== '1') await adminQuery(url, `drop schema if exists ${schema} cascade`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `digestMessage` over a sample of the stored models, read back as a retry reads them; the first 1,000 messages kept for posting. */
async function renderStoredModels(handle: DatabaseHandle, sent: number, kindOf: ReadonlyMap<string, string>) {
  const step = Math.max(1, Math.floor(sent / RENDER_SAMPLE));
  const stored = await sql<{ model: RecordedModel; item_count: number }>`
    select model, item_count from digests where status = 'sent' and id % ${step} = 0 order by id limit ${RENDER_SAMPLE}`.execute(handle.db);
  // Read back as a retry reads them, then copied apart: timed alone, no model shares a report object with another.
  const models = (
    await readRecordedModels(
      handle.db,
      stored.rows.map((r) => r.model),
    )
  ).map((model) => structuredClone(model));
  for (const model of models.slice(0, 100)) digestMessage(model); // warm
  const renderMs: number[] = [];
  const renderByKind = new Map<string, number[]>();
  const shown: number[] = [];
  const messages: EmailMessage[] = [];
  for (const model of models) {
    const t = now();
    const message = digestMessage(model);
    const ms = now() - t;
    renderMs.push(ms);
    const kind = kindOf.get(model.recipient.email) ?? '?';
    renderByKind.set(kind, [...(renderByKind.get(kind) ?? []), ms]);
    if (messages.length < 1_000) messages.push(message);
  }
  for (const model of models) shown.push(renderDigestEmail(model).shownCount);
  const storedItems = stored.rows.map((r) => r.item_count);
  const sampleChars = messages.map((m) => m.html.length + (m.text?.length ?? 0));
  log(
    `  render: digestMessage over ${fmtInt(models.length)} stored models (items median ${median(storedItems)}, p90 ${floorPercentile(storedItems, 90)}; shown median ${median(shown)}, max ${maxOf(shown)}): ` +
      `median ${us(median(renderMs))}, mean ${us(mean(renderMs))}, p95 ${us(floorPercentile(renderMs, 95))}`,
  );

  return { models, renderMs, renderByKind, messages, storedItems, sampleChars };
}

/** (a) mjml2html per recipient: compile and parse the template, then the same fill as the precompiled path. */
async function mjmlPerRecipient(tickFillMs: number, renderMs: readonly number[]) {
  const mjmlFile = join(templatesDir, 'digest.mjml');
  const source = readFileSync(mjmlFile, 'utf8');
  await compileMjml(source, mjmlFile); // warm mjml's lazy requires
  // Per recipient: compile (mjml2html + ASCII, as the build does) and parse the template, then
  // the same fill. The fill is what the precompiled path costs, so (compile + fill) / fill.
  const compileMs: number[] = [];
  for (let i = 0; i < MJML_CALLS; i++) {
    const t = now();
    prepareTemplate(await compileMjml(source, mjmlFile));
    compileMs.push(now() - t);
  }
  // The precompiled path is the fill as the tick runs it (reports filled once, shared by their
  // readers); mjml2html per recipient would compile per recipient and then fill the same way.
  const mjmlMs = median(compileMs) + tickFillMs;
  const mjmlRatio = mjmlMs / tickFillMs;
  // For comparison: against the fill of a stored model alone (nothing shared, every report prepared for this reader).
  const mjmlRatioAlone = (median(compileMs) + median(renderMs)) / median(renderMs);
  log(
    `  mjml2html per recipient: compile + parse median ${median(compileMs).toFixed(1)} ms over ${MJML_CALLS} calls; with the fill ${fmtRatio(mjmlRatio)} the precompiled ` +
      `fill as in the tick (median ${us(tickFillMs)}); ${fmtRatio(mjmlRatioAlone)} a stored model filled alone (median ${us(median(renderMs))})`,
  );

  return { compileMs, mjmlMs, mjmlRatio, mjmlRatioAlone };
}

/** (b) batches of 100 of these emails posted one at a time: as bodies serialised beforehand with fetch, and through a mailer like the tick's. */
async function postingPasses(
  resend: Awaited<ReturnType<typeof startFakeResendProcess>>,
  messages: readonly EmailMessage[],
  mailerDeps: Omit<ResendMailerOptions, 'apiKey' | 'baseUrl' | 'defaultFrom'>,
) {
  const fake = { url: resend.url, apiKey: API_KEY };
  const bodies = rawBodies(messages, EMAIL_FROM);
  const rawPasses: { ms: number; emails: number; batches: number }[] = [];
  const rawFakeCpu: number[] = [];
  const sdkMailer = createResendMailer({
    apiKey: API_KEY,
    baseUrl: resend.url,
    defaultFrom: EMAIL_FROM,
    ...mailerDeps,
  });
  const sdkPasses: { ms: number; emails: number; batches: number }[] = [];
  for (let pass = 1; pass <= 2; pass++) {
    await rawPosting(fake, bodies, 2, pass + 10, 0); // a fresh keep-alive connection, untimed
    await resend.reset();
    rawPasses.push(await rawPosting(fake, bodies, RAW_BATCHES, pass, RAW_SECONDS * 1000));
    rawFakeCpu.push((await resend.usage()).cpuMs);
    await resend.reset();
    await mailerPosting(sdkMailer, messages, 2, pass + 10, 0);
    sdkPasses.push(await mailerPosting(sdkMailer, messages, RAW_BATCHES, pass, RAW_SECONDS * 1000));
    await resend.reset();
  }
  const rawRates = rawPasses.map((p) => (p.emails / p.ms) * 1000);
  const rawRate = median(rawRates);
  const sdkRates = sdkPasses.map((p) => (p.emails / p.ms) * 1000);
  const sdkRate = median(sdkRates);
  const bodyBytes = mean(bodies.map((b) => Buffer.byteLength(b)));
  // What the fake itself does per batch (its steps, replicated here): parse and sha256 of the bytes;
  // and what the client adds in the tick: serialising the batch as the mailer does, and encoding it.
  const fakeMs: number[] = [];
  const stringifyMs: number[] = [];
  for (const [i, body] of bodies.slice(0, 5).entries()) {
    let t = now();
    const bytes = Buffer.from(body);
    JSON.parse(bytes.toString('utf8'));
    createHash('sha256').update('/emails/batch\n').update(bytes).digest('hex');
    fakeMs.push(now() - t);
    t = now();
    Buffer.from(JSON.stringify(rawPayloads(messages.slice(100 * i, 100 * i + 100), EMAIL_FROM)[0]));
    stringifyMs.push(now() - t);
  }
  const rawFakeCpuPerBatch = mean(rawFakeCpu.map((ms, i) => ms / Math.max(1, rawPasses[i]!.batches)));
  log(
    `  raw posting: ${rawPasses.map((p) => p.batches).join(' and ')} batches of 100 (${(bodyBytes / 1e6).toFixed(2)} MB per request body): ` +
      `${rawRates.map((r) => fmtInt(r)).join(' and ')} emails/s; the fake's CPU ${rawFakeCpuPerBatch.toFixed(0)} ms per batch (its parse + sha256 alone ${mean(fakeMs).toFixed(0)} ms), ` +
      `the client's serialising (as the mailer does) + UTF-8 encoding ${mean(stringifyMs).toFixed(0)} ms; through the mailer (SDK): ${sdkRates.map((r) => fmtInt(r)).join(' and ')} emails/s`,
  );

  return { rawRates, rawRate, sdkRates, sdkRate, bodyBytes, fakeMs, stringifyMs, rawFakeCpuPerBatch };
}

async function explainClaim(handle: DatabaseHandle): Promise<string> {
  const claim = `explain (analyze, format text) select d.id, s.email from digests d join subscribers s on s.id = d.subscriber_id
    where d.status = 'pending' and d.due_at <= $1 order by d.due_at, d.id limit 100 for update of d skip locked`;
  const planLines = (rows: Record<string, string>[]) => rows.map((r) => r['QUERY PLAN']!.trim());
  const client = await handle.pool!.connect();
  try {
    await client.query('begin');
    const lines = planLines((await client.query(claim, [AS_OF])).rows);
    // As near the end of the tick: 90% of the rows closed (rolled back below).
    await client.query(
      `update digests set status = 'sent' where id in (select id from digests where status = 'pending' order by id limit (select (count(*) * 0.9)::int from digests))`,
    );
    const late = planLines((await client.query(claim, [AS_OF])).rows);
    await client.query('rollback');
    const nodes = lines
      .filter(
        (l) =>
          /^(->\s*)?(Limit|LockRows|Sort|Incremental Sort|Index|Seq Scan|Bitmap|Hash|Nested Loop|Merge)/.test(l) &&
          !/^Sort (Key|Method)/.test(l),
      )
      .map((l) => l.replace(/^->\s*/, '').replace(/\s+\(cost=[^)]*\)/, ''))
      .slice(0, 8);
    const time = (ls: string[]) => ls.find((l) => l.startsWith('Execution Time')) ?? '';
    const lateScan = late.find((l) => /Rows Removed by Filter/.test(l)) ?? '';
    return `${nodes.join(' | ')} | ${time(lines)}; with 90% of the rows closed (simulated, rolled back): ${time(late)} (${lateScan})`;
  } finally {
    client.release();
  }
}

/**
 * What the tick recorded (from the tables afterwards): the rows' models, which refer to their
 * reports, and the report lines stored once each; against the whole models (`models`, read back).
 */
async function measureRecord(handle: DatabaseHandle, models: readonly DigestModel[]) {
  const r = await sql<{ rows: string; model_bytes: string; items: string; item_bytes: string }>`
    select (select count(*) from digests where model is not null) as rows,
      (select coalesce(sum(octet_length(model::text)), 0) from digests where model is not null) as model_bytes,
      (select count(*) from digest_items) as items,
      (select coalesce(sum(octet_length(item::text)), 0) from digest_items) as item_bytes`.execute(handle.db);
  const row = r.rows[0]!;
  const rows = Math.max(1, Number(row.rows));
  return {
    modelBytesPerBatch: (100 * Number(row.model_bytes)) / rows,
    items: Number(row.items),
    itemBytes: Number(row.item_bytes),
    wholeBytesPerBatch: 100 * mean(models.map((model) => JSON.stringify(model).length)),
  };
}

/** buildDigest and the JSON of its model, timed alone for a sample of subscribers, by kind. */
async function profileCompose(
  deps: Deps,
  handle: DatabaseHandle,
  cursor: number,
  upTo: number,
  count: number,
  kindOf: ReadonlyMap<string, string>,
) {
  const changes = await listChangesBetween(handle.db, cursor, upTo);
  const window = indexChangeWindow(upTo, changes, await loadEvents(handle.db, [...new Set(changes.map((c) => c.eventId))]));
  const step = Math.max(1, Math.floor(SUBSCRIBERS / count));
  const rows = await sql<ClaimedDigest>`
    select d.id, d.subscriber_id, d.period_key, d.due_at, s.email, s.countries, s.regions, s.categories, s.frequency, s.timezone, s.skip_empty,
      ${cursor}::bigint as digest_cursor, s.token_version, s.public_id
    from digests d join subscribers s on s.id = d.subscriber_id where d.id % ${step} = 0 order by d.id limit ${count}`.execute(handle.db);
  for (const row of rows.rows.slice(0, 50)) buildDigest(deps, row, window); // warm
  // The per-subscriber part that does not depend on the changes: links and the signed view token.
  const linksMs: number[] = [];
  for (const row of rows.rows) {
    const t = now();
    const links = subscriberLinks(deps, row);
    links.manage();
    links.unsubscribe();
    links.site();
    deps.tokens.sign('view', { publicId: row.public_id, version: row.token_version, ref: String(row.id) }, { ttlMs: null });
    linksMs.push(now() - t);
  }
  const byKind = new Map<
    string,
    { kind: string; count: number; build: number[]; json: number[]; bytes: number[]; items: number[]; render: number[] }
  >();
  const builtModels: { kind: string; model: DigestModel }[] = [];
  for (const row of rows.rows) {
    const kind = kindOf.get(row.email) ?? '?';
    const k = byKind.get(kind) ?? { kind, count: 0, build: [], json: [], bytes: [], items: [], render: [] };
    byKind.set(kind, k);
    k.count++;
    let t = now();
    const built = buildDigest(deps, row, window);
    k.build.push(now() - t);
    if (built.kind !== 'send') continue;
    k.items.push(built.itemCount);
    t = now();
    const json = JSON.stringify(recordModel(built.model).model); // what the row records
    k.json.push(now() - t);
    k.bytes.push(json.length);
    builtModels.push({ kind, model: built.model });
  }
  // The fill as the tick does it: the models of one run share each event's report object, so
  // each report is prepared and filled once for all its readers. Timed in a loop of its own
  // (after a warm-up, as 96% of a tick's digests are), one digest at a time.
  for (const { model } of builtModels.slice(0, 100)) digestMessage(model);
  const renderAll: number[] = [];
  for (const { kind, model } of builtModels) {
    const t = now();
    digestMessage(model);
    const ms = now() - t;
    byKind.get(kind)!.render.push(ms);
    renderAll.push(ms);
  }
  return {
    linksMs: mean(linksMs),
    renderAll,
    byKind: new Map(
      [...byKind].map(([kind, k]) => [
        kind,
        {
          kind,
          count: k.count,
          buildMs: mean(k.build),
          jsonMs: k.json.length ? mean(k.json) : 0,
          jsonBytes: k.bytes.length ? median(k.bytes) : 0,
          items: k.items.length ? median(k.items) : 0,
          renderMs: k.render.length ? mean(k.render) : 0,
        },
      ]),
    ),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
