/**
 * Instant watch-flag alerts (issue 14) on PostgreSQL: BENCH_SUBSCRIBERS (100,000) confirmed
 * subscribers, 10% with instant alerts, each following 2 of 40 countries; a detection raises 50
 * flags across 20 of them. Latency from its commit to each email accepted by the fake Resend
 * (real SDK), the alert rate against a digest tick's rate in the same run, and the cap.
 */
import { sql } from 'kysely';
import { runDigestTick } from '../src/alerts/digest/runner';
import { countries } from '../src/taxonomy/countries';
import { createBenchDeps } from '../testkit/bench-deps';
import { benchDatabaseUrl, freshSchema } from '../testkit/db-targets';
import { fastResendMailer } from '../testkit/digests';
import { ingestInputs, sampleEvent } from '../testkit/events';
import { startFakeResendProcess } from '../testkit/fake-resend-process';
import { percentileUnsorted } from '../testkit/stats';
import { log } from './measure';
import * as report from './report';

const SUBSCRIBERS = report.envNumber('BENCH_SUBSCRIBERS', 100_000, 1_000);
const HOUR = 3_600_000;

const env = { EMAIL_FROM: 'Democracy Tracker <alerts@example.org>', PUBLIC_BASE_URL: 'https://alerts.example.org' };
const hours = (ms: number) => `${(ms / HOUR).toFixed(2)} h`;

export async function run(): Promise<report.BenchResult> {
  const { handle, drop } = await freshSchema(benchDatabaseUrl(), 'bench_instant', { max: 10 });
  const resend = await startFakeResendProcess();
  let offset = 0; // the service's clock, moved by hand for the cap phases
  const deps = createBenchDeps(handle, env, { clock: { now: () => new Date(Date.now() + offset) } });
  const mailer = fastResendMailer(deps, resend.url);
  const accepted: number[] = []; // performance.now() of each email's acceptance
  const sendBatch: typeof mailer.sendBatch = (messages, o) =>
    mailer.sendBatch(messages, o).then((r) => {
      accepted.push(...messages.map(() => performance.now()));
      return r;
    });
  deps.mailer = { ...mailer, sendBatch };
  const places = countries.slice(0, 40).map((c) => c.id);
  await sql`insert into subscribers (email, status, countries, frequency, timezone, created_at, updated_at, confirmed_at, consent_at, consent_source, instant_alerts)
    select 'bench-' || i || '@example.org', 'confirmed', array[(${places}::text[])[1 + abs(hashint4(i)) % 40], (${places}::text[])[1 + abs(hashint4(i + 7919)) % 40]],
      'monthly', 'UTC', t, t, t, t, 'api', i % 10 = 0
    from generate_series(0, ${SUBSCRIBERS - 1}) as i, (select timestamptz '2024-01-01' as t) as x`.execute(handle.db);
  await sql`analyze`.execute(handle.db);

  /** 50 flagged reports across 20 countries, ingested; then the kick detection gives, until every alert is sent. */
  const detect = async (round: number) => {
    const events = Array.from({ length: 50 }, (_, i) =>
      sampleEvent({ country: places[i % 20]!, watchFlag: true, title: `Flag ${round}-${i}` }),
    );
    await ingestInputs(deps, events);
    const committed = performance.now();
    deps.webhookPump.kick();
    await deps.webhookPump.idle();
    await deps.instantPump.idle();
    return committed;
  };
  log(`instant alerts bench: ${report.fmtInt(SUBSCRIBERS)} subscribers on PostgreSQL`);
  const committed = await detect(1);
  const latencies = accepted.map((at) => at - committed);
  const alertRate = latencies.length / (Math.max(...latencies) / 1000);
  offset += HOUR; // 50 more flags an hour later: held back by the 6 h interval
  accepted.length = 0;
  await detect(2);
  const heldBack = accepted.length;
  offset += 6 * HOUR;
  deps.instantPump.kick(); // the minute job once the interval has ended
  await deps.instantPump.idle();
  const batched = accepted.length;
  const { rows } = await sql<{ closest: number | null; most: number }>`
    select min(gap) as closest, max(sent) as most from (
      select extract(epoch from sent_at - lag(sent_at) over (partition by subscriber_id order by sent_at)) * 1000 as gap,
        count(*) over (partition by subscriber_id) as sent
      from instant_alerts where status = 'sent') as g`.execute(handle.db);
  const perRecipient = new Map<string, number>();
  for (const d of await resend.deliveries()) for (const to of d.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);

  const tick = performance.now();
  const digests = await runDigestTick(deps, { asOf: deps.clock.now(), trigger: 'bench' });
  const digestRate = digests.sent / ((performance.now() - tick) / 1000);
  await Promise.all([resend.close(), handle.close()]);
  await drop();

  const p = (q: number) => percentileUnsorted(latencies, q);
  const goals: report.Goal[] = [
    { value: p(99) / 1000, op: '<', target: 5, unit: ' s', show: (n) => n.toFixed(2) },
    report.atLeast(alertRate / digestRate, 0.5),
    { value: Number(rows[0]?.closest ?? 6 * HOUR), op: '>=', target: 6 * HOUR, show: hours },
  ];
  const [p99Goal, ratioGoal, capGoal] = goals.map(report.goalText);
  const counts = { subscribers: SUBSCRIBERS, instant: SUBSCRIBERS / 10, alerts: latencies.length, p50: p(50), p99: p(99), alertRate };
  const view = {
    ...Object.fromEntries(Object.entries({ ...counts, digests: digests.sent, digestRate, batched }).map(([k, v]) => [k, report.fmtInt(v)])),
    ...{ heldBack, twice: Number(rows[0]?.most ?? 0), overSent: [...perRecipient.values()].filter((n) => n > 2).length },
    ...{ p99Goal, ratioGoal, capGoal },
  };
  return {
    section: 'Instant watch-flag alerts (issue 14)',
    command: 'npm run bench -- instant-alerts     # BENCH_SUBSCRIBERS=10000 for a quick pass (no file written)',
    write: report.writeUnless(SUBSCRIBERS !== 100_000, 'BENCH_SUBSCRIBERS'),
    body: report.writeUp('instant-alerts', view),
  };
}
