import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../testkit/app';
import { sampleEvent } from '../testkit/events';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ APP_SECRET: 'app-secret-value-that-is-long-enough-000' });
});
afterAll(() => t.close());

describe('structured request logs', () => {
  it('writes one JSON line per request with its id, echoed in the X-Request-Id header', async () => {
    const res = await t.call('GET', '/v1/events?country=KAZ');
    const id = res.headers.get('x-request-id');
    expect(id).toBeTruthy();
    const line = t.logs.records().find((r) => r.requestId === id);
    expect(line).toMatchObject({
      msg: 'request',
      method: 'GET',
      path: '/v1/events',
      route: '/v1/events',
      status: 200,
      service: 'tracker-alerts',
    });
    expect(typeof line?.durationMs).toBe('number');
  });

  it('never writes the admin token, a query-string token or a configured secret', async () => {
    await t.call('POST', '/v1/admin/events', { events: [sampleEvent()] }, { admin: true });
    await t.call('GET', '/v1/events?token=very-secret-link-token', undefined, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await t.call('GET', '/v1/admin/changes', undefined, { headers: { authorization: 'Bearer a-wrong-token-guess-123' } });
    t.deps.log.info({ config: t.deps.config, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, 'config dump');
    const all = t.logs.lines.join('\n');
    expect(all).toContain('config dump');
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain('very-secret-link-token');
    expect(all).not.toContain('a-wrong-token-guess-123');
    expect(all).not.toContain('app-secret-value-that-is-long-enough-000');
    expect(all).toContain('[redacted]');
  });
});
