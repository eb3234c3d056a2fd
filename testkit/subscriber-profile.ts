/**
 * A sign-up's CPU, step by step, in the app process of the subscriptions bench: each step one
 * call at a time (`timeSteps`), then the notices those calls queued drained as the pump drains them.
 */
import { sql } from 'kysely';
import { createApp } from '../src/app';
import type { SubscriberRow } from '../src/db/subscribers';
import { buildEml } from '../src/email/eml';
import { drainNotices, noticeMessage } from '../src/subscribers/notices';
import { preferencesSchema } from '../src/subscribers/preferences';
import { requestSubscription } from '../src/subscribers/subscribe';
import type { AppUnderTest } from './subscriber-app';
import { choices } from './subscriber-load';
import { timeSteps } from './timing';

const now = () => performance.now();

/** A sign-up's steps one call at a time in the app process, then the notices they queued drained as the pump drains them. */
export async function profileSignup(app: AppUnderTest, PROFILE: { calls: number; rounds: number; warmupCalls: number }) {
  const { deps } = app;
  const tag = `p${Date.now()}`;
  const preferences = preferencesSchema.parse(choices(7));
  const notKicked = { ...deps, noticePump: { kick() {} } }; // notices stay queued, drained together afterwards
  const pending = await app.handle.db.selectFrom('subscribers').selectAll().where('status', '=', 'pending').limit(100).execute();
  const message = (i: number) =>
    noticeMessage(deps, {
      kind: 'confirm',
      subscriber: { ...pending[i % pending.length]!, id: Number(pending[i % pending.length]!.id) } as unknown as SubscriberRow,
      createdAt: new Date(),
    });
  const appNotKicked = createApp(notKicked);
  const built = { ...message(0), from: deps.config.emailFrom };
  const steps = await timeSteps(
    [
      { step: 'one PostgreSQL round trip (select 1 through Kysely and the pool)', f: () => sql`select 1`.execute(deps.db) },
      {
        step: 'sign-up statement (requestSubscription: 2 limits, suppression, subscriber, notice queued; one round trip)',
        f: (i) =>
          requestSubscription(notKicked, {
            email: `profile.tx.${tag}.${i}@bench.example.org`,
            preferences,
            source: 'api',
            client: `172.17.0.${i & 255}`,
          }),
      },
      {
        step: 'whole sign-up through app.request (no socket), notice queued, not sent',
        f: async (i) => {
          const response = await appNotKicked.request('/v1/subscriptions', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `172.16.6.${i & 255}` },
            body: JSON.stringify({ email: `profile.queued.${tag}.${i}@bench.example.org`, ...choices(i) }),
          });
          if (response.status !== 202) throw new Error(`profile sign-up answered ${response.status}: ${await response.text()}`);
        },
      },
      { step: 'notice email: tokens + template (noticeMessage)', f: message },
      {
        step: "notice email: MIME build (buildEml: nodemailer's header builder and encoders)",
        f: (i) => buildEml(built, { messageId: `<profile${i}.0@outbox.tracker-alerts>`, date: new Date() }),
      },
      {
        step: 'notice email: outbox send of one (MIME build + file writes)',
        f: (i) => deps.mailer.send(built, { idempotencyKey: `profile-${tag}-${i}` }),
      },
    ],
    PROFILE,
  );
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from signup_notices where failed_at is null`.execute(deps.db);
  const count = Math.max(1, rows[0]!.n);
  const cpu = process.cpuUsage();
  const started = now();
  const drained = await drainNotices(deps);
  const used = process.cpuUsage(cpu);
  if (drained.sent !== rows[0]!.n) throw new Error(`drained ${drained.sent} of ${rows[0]!.n} queued notices`);
  steps.push({
    step: `notices drained in batches of 100 (claim, render, MIME, outbox batch, delete), per notice, over ${count.toLocaleString('en-US')}`,
    cpuMs: (used.user + used.system) / 1000 / count,
    wallMs: (now() - started) / count,
  });
  const at = (prefix: string) => {
    const s = steps.find((p) => p.step.startsWith(prefix))!;
    return { cpu: s.cpuMs.toFixed(2), wall: s.wallMs.toFixed(1), cpuMs: s.cpuMs };
  };
  return {
    steps,
    whole: at('whole sign-up'),
    statement: at('sign-up statement'),
    drained: at('notices drained'),
    single: at('notice email: outbox send'),
  };
}
