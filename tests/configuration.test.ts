import { describe, expect, it } from 'vitest';
import { BATCH_LEASE_MS, RETRY_DELAYS_MS } from '../src/alerts/digest/runner';
import { DELIVERY_LEASE_MS } from '../src/alerts/webhooks/delivery-loop';
import { decideAfterAttempt, RETRY_SCHEDULE_MS } from '../src/alerts/webhooks/retry-policy';
import { ConfigError, parseConfig } from '../src/config';
import { runEntry } from '../testkit/process';

describe('configuration', () => {
  it('has the contract defaults', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      databaseUrl: undefined,
      dataDir: './data',
      adminToken: undefined,
      resend: undefined,
      emailFrom: 'Democracy Tracker <alerts@localhost>',
      sourceUrls: [],
      webhookAllowPrivateNetworks: false,
      cron: { detect: '*/15 * * * *', digest: '*/15 * * * *', webhooks: '*/10 * * * * *' },
    });
  });

  it('reads every contract variable', () => {
    const config = parseConfig({
      PORT: '8080',
      PUBLIC_BASE_URL: 'https://alerts.example.org/',
      DATABASE_URL: 'postgres://u:p@db:5432/alerts',
      DATA_DIR: '/var/lib/alerts',
      APP_SECRET: 's'.repeat(40),
      ADMIN_TOKEN: 't'.repeat(20),
      RESEND_API_KEY: 're_123',
      RESEND_BASE_URL: 'http://127.0.0.1:9999',
      EMAIL_FROM: 'Alerts <alerts@example.org>',
      SOURCE_URLS: 'https://example.org/feed.json, file:///srv/page.html',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
      CRON_DETECT: '*/5 * * * *',
    });
    expect(config).toMatchObject({
      port: 8080,
      publicBaseUrl: 'https://alerts.example.org',
      databaseUrl: 'postgres://u:p@db:5432/alerts',
      resend: { apiKey: 're_123', baseUrl: 'http://127.0.0.1:9999' },
      sourceUrls: ['https://example.org/feed.json', 'file:///srv/page.html'],
      webhookAllowPrivateNetworks: true,
      cron: { detect: '*/5 * * * *' },
    });
  });

  it('reports every problem at once, one line per variable', () => {
    try {
      parseConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', CRON_DIGEST: 'every day', ADMIN_TOKEN: 'short', NODE_ENV: 'production' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const lines = (error as ConfigError).problems;
      for (const variable of ['PORT', 'DATABASE_URL', 'CRON_DIGEST', 'ADMIN_TOKEN', 'APP_SECRET']) {
        expect(
          lines.filter((l) => l.startsWith(`${variable}:`)),
          variable,
        ).toHaveLength(1);
      }
    }
  });

  it('stops start-up with a non-zero exit, one line per problem and no stack trace', async () => {
    const run = runEntry('src/server.ts', { PORT: '99999', CRON_DETECT: 'soon', SOURCE_URLS: 'ftp://example.org/x' });
    const code = await run.exited;
    expect(code).toBe(1);
    const err = run.stderr();
    expect(err).toMatch(/^ {2}PORT: /m);
    expect(err).toMatch(/^ {2}CRON_DETECT: /m);
    expect(err).not.toMatch(/\n\s+at /);
    expect(run.stdout()).not.toContain('running');
  });

  it('keeps the documented retry schedules and leases unless told otherwise', () => {
    const config = parseConfig({});
    expect(config.webhooks).toEqual({ retryScheduleMs: RETRY_SCHEDULE_MS, deliveryLeaseMs: DELIVERY_LEASE_MS });
    expect(config.digests).toEqual({ retryScheduleMs: RETRY_DELAYS_MS, batchLeaseMs: BATCH_LEASE_MS });
  });

  it('reads retry schedules and leases as durations, and the webhook retry policy follows them', () => {
    const config = parseConfig({
      WEBHOOK_RETRY_SCHEDULE: '1s, 2s,500ms',
      WEBHOOK_DELIVERY_LEASE: '20s',
      DIGEST_RETRY_SCHEDULE: '3s,1m',
      DIGEST_BATCH_LEASE: '15s',
    });
    expect(config.webhooks).toEqual({ retryScheduleMs: [1000, 2000, 500], deliveryLeaseMs: 20_000 });
    expect(config.digests).toEqual({ retryScheduleMs: [3000, 60_000], batchLeaseMs: 15_000 });
    const now = new Date('2026-01-01T00:00:00Z');
    const decide = (attempts: number) =>
      decideAfterAttempt({
        attempts,
        statusCode: 500,
        retryAfter: null,
        now,
        random: () => 0.5,
        schedule: config.webhooks.retryScheduleMs,
      });
    expect(decide(2)).toEqual({ kind: 'retry', retryAt: new Date(now.getTime() + 2000) });
    expect(decide(3)).toEqual({ kind: 'retry', retryAt: new Date(now.getTime() + 500) });
    expect(decide(4)).toEqual({ kind: 'failed' });
  });

  it('refuses unreadable schedules and a delivery lease shorter than the request timeout, naming the variable', () => {
    try {
      parseConfig({
        WEBHOOK_RETRY_SCHEDULE: '5s,soon',
        WEBHOOK_DELIVERY_LEASE: '5s',
        DIGEST_RETRY_SCHEDULE: '',
        DIGEST_BATCH_LEASE: 'ten minutes',
      });
      expect.unreachable();
    } catch (error) {
      const lines = (error as ConfigError).problems;
      expect(lines.find((l) => l.startsWith('WEBHOOK_RETRY_SCHEDULE:'))).toContain('"soon"');
      expect(lines.find((l) => l.startsWith('WEBHOOK_DELIVERY_LEASE:'))).toContain('request timeout');
      expect(lines.some((l) => l.startsWith('DIGEST_RETRY_SCHEDULE:'))).toBe(true);
      expect(lines.some((l) => l.startsWith('DIGEST_BATCH_LEASE:'))).toBe(true);
    }
  });
});
