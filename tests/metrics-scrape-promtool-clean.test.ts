import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMetrics } from '../testkit/metrics';
import { migratedDataDir } from '../testkit/pglite-template';
import { type Running, runEntry } from '../testkit/process';

const METRICS_TOKEN = 'scrape-token-0123456789-abcdef';
const promtool = spawnSync('promtool', ['--version']).status === 0;
// CI installs Debian's prometheus package and sets REQUIRE_PROMTOOL, so there this cannot skip.
const required = process.env.REQUIRE_PROMTOOL === '1';

const running: Running[] = [];
afterAll(() => {
  for (const r of running) r.child.kill('SIGKILL');
});

describe('the live /metrics scrape', () => {
  it.runIf(promtool || required)('passes promtool check metrics, process metrics included', { timeout: 240_000 }, async () => {
    const server = runEntry('src/server.ts', {
      PORT: '0',
      DATA_DIR: migratedDataDir('tracker-alerts-promtool-'),
      METRICS_TOKEN,
    });
    running.push(server);
    const [, base] = await server.waitFor(/API docs: (http:\/\/localhost:\d+)\/docs/, 150_000);
    const form = await fetch(`${base}/v1/subscriptions`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base! },
      body: new URLSearchParams({ email: 'scrape@example.org', frequency: 'monthly', timezone: 'UTC' }).toString(),
    });
    expect(form.status).toBeLessThan(400);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(text).toContain('process_cpu_seconds_total');

    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error, 'promtool is not installed (Debian package prometheus)').toBeUndefined();
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);

    const requests = parseMetrics(text).filter((s) => s.name === 'http_requests_total');
    expect(requests.filter((s) => Number(s.labels.status) < 400).every((s) => s.labels.ok === 'true')).toBe(true);
    expect(requests.filter((s) => Number(s.labels.status) >= 400).every((s) => s.labels.ok === 'false')).toBe(true);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
