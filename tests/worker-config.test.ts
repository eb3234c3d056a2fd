import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/config';
import worker from '../src/worker';
import { parseWorkerConfig, type WorkerEnv } from '../src/worker/config';

const hyperdrive = { connectionString: 'postgresql://user:pw@abc.hyperdrive.local:5432/tracker' };
const valid: WorkerEnv = {
  HYPERDRIVE: hyperdrive,
  APP_SECRET: 's'.repeat(40),
  RESEND_API_KEY: 're_live_key',
  SOURCE_URLS: 'https://tracker.example.org/feed.json',
  NODE_ENV: 'production',
};

function problemsOf(env: WorkerEnv): string[] {
  try {
    parseWorkerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('Worker configuration (the same zod parser, fed from the Worker env)', () => {
  it('takes the database from the Hyperdrive binding and the rest from vars and secrets', () => {
    const config = parseWorkerConfig({ ...valid, ADMIN_TOKEN: 't'.repeat(20), PUBLIC_BASE_URL: 'https://alerts.example.org' });
    expect(config).toMatchObject({
      env: 'production',
      databaseUrl: hyperdrive.connectionString,
      resend: { apiKey: 're_live_key' },
      sourceUrls: ['https://tracker.example.org/feed.json'],
      publicBaseUrl: 'https://alerts.example.org',
      adminToken: 't'.repeat(20),
    });
  });

  it('requires what Node can do without: APP_SECRET, RESEND_API_KEY, http(s) SOURCE_URLS and the binding', () => {
    const problems = problemsOf({ HYPERDRIVE: undefined as never, NODE_ENV: 'development' });
    for (const name of ['APP_SECRET', 'RESEND_API_KEY', 'HYPERDRIVE'])
      expect(
        problems.filter((p) => p.startsWith(`${name}:`)),
        name,
      ).toHaveLength(1);
    expect(problemsOf({ ...valid, SOURCE_URLS: '' })).toEqual([expect.stringMatching(/^SOURCE_URLS: is required on Workers/)]);
    expect(problemsOf({ ...valid, SOURCE_URLS: 'file:///srv/feed.json' })).toEqual([
      expect.stringMatching(/^SOURCE_URLS: file: URLs cannot be read/),
    ]);
  });

  it('refuses Node-only variables, saying what to do instead, with every other problem at once', () => {
    const problems = problemsOf({
      ...valid,
      CRON_DETECT: '*/5 * * * *',
      DATA_DIR: '/data',
      DATABASE_URL: 'postgres://x@y/z',
      ADMIN_TOKEN: 'short',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CRON_DETECT: is not used on Workers: .*wrangler\.toml/),
        expect.stringMatching(/^DATA_DIR: is not used on Workers/),
        expect.stringMatching(/^DATABASE_URL: is not used on Workers: the database is the HYPERDRIVE binding/),
        expect.stringMatching(/^ADMIN_TOKEN: /),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('answers a 500 problem naming no value when the Worker is misconfigured', async () => {
    const waited: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => waited.push(p), passThroughOnException: () => undefined, props: {} };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const res = await worker.fetch(new Request('https://alerts.example.org/healthz'), { ...valid, APP_SECRET: '' }, ctx as never);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await res.text();
    expect(body).toContain('Service misconfigured');
    expect(body).not.toContain('re_live_key');
    expect(waited).toEqual([]);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(logged.mock.calls[0]![0]))).toMatchObject({
      level: 'fatal',
      problems: [expect.stringMatching(/^APP_SECRET: is required on Workers/)],
    });
    logged.mockRestore();
  });
});
