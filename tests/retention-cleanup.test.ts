import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanup } from '../src/alerts/cleanup/run-cleanup';
import { firstSecret } from '../src/alerts/webhooks/secrets';
import { openPglite } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { insertEndpoint } from '../src/db/webhook-endpoints';
import { hashEmail } from '../src/email/address';
import { handleEmailEvent } from '../src/subscribers/email-events';
import { confirmSubscription, unsubscribe } from '../src/subscribers/manage';
import { taxonomySeed } from '../src/taxonomy/seed';
import { createTestApp, type TestApp } from '../testkit/app';
import { scrape } from '../testkit/metrics';
import { migratedDataDir } from '../testkit/pglite-template';
import { runEntry } from '../testkit/process';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2025-01-01T12:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function app(env: Record<string, string> = {}) {
  const t = await createTestApp(env);
  apps.push(t);
  t.clock.set(T0);
  return t;
}

let ip = 0;
async function signUp(t: TestApp, email: string) {
  const res = await t.call(
    'POST',
    '/v1/subscriptions',
    { email, countries: ['NOR'], categories: ['rights'], frequency: 'weekly', timezone: 'Europe/Oslo' },
    { headers: { 'x-forwarded-for': `192.0.2.${++ip}` } },
  );
  expect(res.status).toBe(202);
  await t.deps.background.idle();
}

const emails = async (t: TestApp) =>
  (await t.deps.db.selectFrom('subscribers').select('email').orderBy('email').execute()).map((r) => r.email);

const deletedTotal = async (t: TestApp, kind: string) => (await scrape(t)).value('tracker_cleanup_deleted_total', { kind });

// Each scenario opens its own database: generous budgets for a loaded machine (no speed is asserted).
describe('retention cleanup', { timeout: 240_000 }, () => {
  it('deletes sign-ups left unconfirmed for 7 days since their last activity, keeps the others, and a second run deletes nothing', async () => {
    const t = await app();
    await signUp(t, 'forgot@example.org'); // day 0, never confirmed
    await signUp(t, 'asked-again@example.org'); // day 0, signs up again on day 3
    await signUp(t, 'confirmed@example.org');
    await confirmSubscription(t.deps, (await findSubscriberByEmail(t.deps.db, 'confirmed@example.org'))!.id);
    t.clock.set(at(3));
    await signUp(t, 'asked-again@example.org');
    t.clock.set(at(5));
    await signUp(t, 'recent@example.org');

    t.clock.set(at(7.01));
    const first = await runCleanup(t.deps);
    expect(first).toMatchObject({ ran: true, deleted: { unconfirmed_subscribers: 1 } });
    expect(await emails(t)).toEqual(['asked-again@example.org', 'confirmed@example.org', 'recent@example.org']);

    expect(await runCleanup(t.deps)).toMatchObject({ ran: true, deleted: { unconfirmed_subscribers: 0 } });
    expect(await emails(t)).toEqual(['asked-again@example.org', 'confirmed@example.org', 'recent@example.org']);

    t.clock.set(at(12.01));
    expect(await runCleanup(t.deps)).toMatchObject({ deleted: { unconfirmed_subscribers: 2 } });
    expect(await emails(t)).toEqual(['confirmed@example.org']);
    expect(await deletedTotal(t, 'unconfirmed_subscribers')).toBe(3);
  });

  it('honours RETENTION_UNCONFIRMED_DAYS', async () => {
    const t = await app({ RETENTION_UNCONFIRMED_DAYS: '2' });
    await signUp(t, 'short@example.org');
    t.clock.set(at(1.9));
    expect(await runCleanup(t.deps)).toMatchObject({ deleted: { unconfirmed_subscribers: 0 } });
    t.clock.set(at(2.01));
    expect(await runCleanup(t.deps)).toMatchObject({ deleted: { unconfirmed_subscribers: 1 } });
  });

  it('deletes webhook attempts and finished deliveries older than 30 days, never a pending delivery', async () => {
    const t = await app();
    const { secrets } = firstSecret(t.deps.appSecret);
    await insertEndpoint(t.deps.db, {
      id: 'ep_retention',
      url: 'https://hooks.example.org/in',
      description: null,
      types: [],
      countries: [],
      categories: [],
      enabled: true,
      secrets: JSON.stringify(secrets),
      created_at: T0,
      updated_at: T0,
    });
    const delivery = async (
      id: string,
      status: 'pending' | 'delivered' | 'failed',
      created: Date,
      options: { nextAttemptAt?: Date; attempts?: Date[] } = {},
    ) => {
      await t.deps.db
        .insertInto('webhook_deliveries')
        .values({
          id,
          endpoint_id: 'ep_retention',
          change_id: null,
          type: 'ping',
          payload: '{}',
          status,
          attempts: options.attempts?.length ?? 0,
          next_attempt_at: options.nextAttemptAt ?? created,
          created_at: created,
          delivered_at: status === 'delivered' ? created : null,
        })
        .execute();
      for (const attemptedAt of options.attempts ?? []) {
        await t.deps.db
          .insertInto('webhook_attempts')
          .values({
            delivery_id: id,
            attempted_at: attemptedAt,
            status_code: status === 'delivered' ? 200 : 500,
            latency_ms: 12,
            error: null,
            response_excerpt: null,
          })
          .execute();
      }
    };
    await delivery('msg_old_delivered', 'delivered', at(0), { attempts: [at(0)] });
    await delivery('msg_old_failed', 'failed', at(0), { nextAttemptAt: at(1), attempts: [at(0), at(1)] });
    // Failing for weeks and still retrying: its old attempts go, the delivery stays.
    await delivery('msg_old_pending', 'pending', at(0), { nextAttemptAt: at(40), attempts: [at(0), at(20)] });
    // Queued long ago and never tried (an endpoint paused): still needed.
    await delivery('msg_old_untried', 'pending', at(0));
    // Created long ago, but failed only recently: kept until its last activity is old.
    await delivery('msg_recently_failed', 'failed', at(0), { nextAttemptAt: at(25), attempts: [at(25)] });
    await delivery('msg_recent', 'delivered', at(25), { attempts: [at(25)] });
    // Bodies stored once per change: kept while a delivery points at them.
    await t.deps.db.updateTable('webhook_deliveries').set({ change_id: 1, payload: null }).where('id', '=', 'msg_old_delivered').execute();
    await t.deps.db.updateTable('webhook_deliveries').set({ change_id: 2, payload: null }).where('id', '=', 'msg_old_pending').execute();
    await t.deps.db
      .insertInto('webhook_payloads')
      .values([
        { change_id: 1, body: '{}' },
        { change_id: 2, body: '{}' },
      ])
      .execute();

    t.clock.set(at(31.5));
    expect(await runCleanup(t.deps)).toMatchObject({
      ran: true,
      deleted: { webhook_attempts: 4, webhook_deliveries: 2, webhook_payloads: 1 },
    });
    const payloads = await t.deps.db.selectFrom('webhook_payloads').select('change_id').execute();
    expect(payloads.map((p) => Number(p.change_id))).toEqual([2]);
    const deliveries = await t.deps.db.selectFrom('webhook_deliveries').select('id').orderBy('id').execute();
    expect(deliveries.map((d) => d.id)).toEqual(['msg_old_pending', 'msg_old_untried', 'msg_recent', 'msg_recently_failed']);
    const attempts = await t.deps.db
      .selectFrom('webhook_attempts')
      .select(['delivery_id', 'attempted_at'])
      .orderBy('delivery_id')
      .execute();
    expect(attempts.map((a) => [a.delivery_id, a.attempted_at.toISOString()])).toEqual([
      ['msg_old_pending', at(20).toISOString()],
      ['msg_recent', at(25).toISOString()],
      ['msg_recently_failed', at(25).toISOString()],
    ]);

    expect(await runCleanup(t.deps)).toMatchObject({ deleted: { webhook_attempts: 0, webhook_deliveries: 0, webhook_payloads: 0 } });
    expect(await t.deps.db.selectFrom('webhook_deliveries').select('id').execute()).toHaveLength(4);
    expect(await deletedTotal(t, 'webhook_attempts')).toBe(4);
    expect(await deletedTotal(t, 'webhook_deliveries')).toBe(2);
  });

  it('deletes outbox emails older than 30 days with their idempotency records, and leftovers by their age', async () => {
    const t = await app();
    const outbox = join(t.deps.config.dataDir, 'outbox');
    const message = (subject: string) => ({ to: 'reader@example.org', subject, html: '<p>hello</p>', text: 'hello' });
    await t.deps.mailer.send(message('Old news'), { idempotencyKey: 'retention-old' });
    t.clock.set(at(20));
    await t.deps.mailer.send(message('Recent news'), { idempotencyKey: 'retention-recent' });
    // A crash leftover nobody lists, written (by its mtime) 40 days before the cleanup.
    writeFileSync(join(outbox, '.tmp-leftover'), 'partial');
    utimesSync(join(outbox, '.tmp-leftover'), at(-9), at(-9));
    writeFileSync(join(outbox, '.tmp-fresh'), 'partial');
    utimesSync(join(outbox, '.tmp-fresh'), at(30), at(30));
    const emlFiles = () =>
      readdirSync(outbox)
        .filter((f) => f.endsWith('.eml'))
        .sort();
    const [oldFile, recentFile] = emlFiles();
    expect(oldFile).toMatch(/old-news/);
    expect(readdirSync(join(outbox, '.keys'))).toHaveLength(2);

    t.clock.set(at(31));
    expect(await runCleanup(t.deps)).toMatchObject({ deleted: { outbox_files: 1 } });
    expect(emlFiles()).toEqual([recentFile]);
    expect(readdirSync(join(outbox, '.keys'))).toHaveLength(1);
    expect(existsSync(join(outbox, '.tmp-leftover'))).toBe(false);
    expect(existsSync(join(outbox, '.tmp-fresh'))).toBe(true);

    expect(await runCleanup(t.deps)).toMatchObject({ deleted: { outbox_files: 0 } });
    expect(emlFiles()).toEqual([recentFile]);

    t.clock.set(at(51));
    expect(await runCleanup(t.deps)).toMatchObject({ deleted: { outbox_files: 1 } });
    expect(emlFiles()).toEqual([]);
    expect(await deletedTotal(t, 'outbox_files')).toBe(2);
  });

  it('keeps nothing of an unsubscribed or bounced person but the keyed hash of the address', async () => {
    const t = await app();
    const leaving = `leaving-${randomBytes(4).toString('hex')}@example.org`;
    const bouncing = `bouncing-${randomBytes(4).toString('hex')}@example.org`;
    for (const email of [leaving, bouncing]) {
      await signUp(t, email);
      await confirmSubscription(t.deps, (await findSubscriberByEmail(t.deps.db, email))!.id);
    }
    await unsubscribe(t.deps, (await findSubscriberByEmail(t.deps.db, leaving))!.id);
    await handleEmailEvent(t.deps, 'msg_bounce_1', { type: 'email.bounced', data: { to: [bouncing], bounce: { type: 'Permanent' } } });
    await runCleanup(t.deps);

    // Every row of every table of the service, searched for the address and its parts.
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
      t.deps.db,
    );
    const dump: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await sql<{ row: unknown }>`select row_to_json(x) as row from ${sql.table(table_name)} as x`.execute(t.deps.db);
      dump.push(...rows.rows.map((r) => `${table_name}: ${JSON.stringify(r.row)}`));
    }
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['subscribers', 'suppressions', 'rate_limits', 'digests']));
    for (const [email, reason] of [
      [leaving, 'unsubscribed'],
      [bouncing, 'bounced'],
    ] as const) {
      expect(dump.filter((line) => line.includes(email.split('@')[0]!))).toEqual([]);
      const hash = hashEmail(email, t.deps.appSecret);
      // Besides the suppression, only the hour-long sign-up counter (PostgreSQL) holds the hash.
      const holding = dump.filter((line) => line.includes(hash) && !line.startsWith(`rate_limits: {"key":"signupPerAddress:${hash}"`));
      expect(holding).toEqual([expect.stringMatching(new RegExp(`^suppressions: .*"reason":"${reason}"`))]);
    }

    // Suppression still works on the hash alone: a new sign-up is a fresh pending one, nothing more.
    await signUp(t, leaving);
    expect(await findSubscriberByEmail(t.deps.db, leaving)).toMatchObject({ status: 'pending', confirmed_at: null });
  });

  it('deletes expired rate-limit counters only', async () => {
    const t = await app();
    const now = at(10);
    t.clock.set(now);
    await sql`insert into rate_limits (key, points, expire) values ('signupPerIp:192.0.2.1', 3, ${now.getTime() - 1000}), ('signupPerIp:192.0.2.2', 1, ${now.getTime() + 60_000})`.execute(
      t.deps.db,
    );
    expect(await runCleanup(t.deps)).toMatchObject({ deleted: { rate_limits: 1 } });
    const left = await sql<{ key: string }>`select key from rate_limits`.execute(t.deps.db);
    expect(left.rows.map((r) => r.key)).toEqual(['signupPerIp:192.0.2.2']);
  });

  it('runs once at a time, records its duration and last success by the injected clock', async () => {
    const t = await app();
    await signUp(t, 'twice@example.org');
    t.clock.set(at(8));
    const [a, b] = await Promise.all([runCleanup(t.deps), runCleanup(t.deps)]);
    expect([a.ran, b.ran].sort()).toEqual([false, true]);
    const ran = a.ran ? a : b;
    expect(ran).toMatchObject({ deleted: { unconfirmed_subscribers: 1 } });
    const metrics = await scrape(t);
    expect(metrics.value('tracker_job_last_success_timestamp_seconds', { job: 'cleanup' })).toBe(at(8).getTime() / 1000);
    expect(metrics.value('tracker_job_duration_seconds_count', { job: 'cleanup', outcome: 'ok' })).toBe(1);
  });

  it('npm run cleanup deletes what is due by the system clock and prints the counts by kind', async () => {
    const dataDir = migratedDataDir('tracker-cleanup-cli-');
    const handle = await openPglite(dataDir);
    await migrateToLatest(handle.db, taxonomySeed);
    const longAgo = new Date(Date.now() - 8 * DAY);
    const values = (email: string, created: Date) => ({
      email,
      status: 'pending' as const,
      countries: [],
      regions: [],
      categories: [],
      skip_empty: false,
      frequency: 'monthly' as const,
      timezone: 'UTC',
      consent_source: 'api',
      created_at: created,
      updated_at: created,
    });
    await handle.db
      .insertInto('subscribers')
      .values([values('stale@example.org', longAgo), values('fresh@example.org', new Date())])
      .execute();
    await handle.close();

    const run = runEntry('src/cli/cleanup.ts', { DATA_DIR: dataDir });
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('unconfirmed_subscribers: 1 deleted');
    expect(run.stdout()).toContain('webhook_attempts: 0 deleted');

    const after = await openPglite(dataDir);
    expect((await after.db.selectFrom('subscribers').select('email').execute()).map((r) => r.email)).toEqual(['fresh@example.org']);
    await after.close();
  });
});
