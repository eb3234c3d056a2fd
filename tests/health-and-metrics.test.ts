import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { createTestApp, METRICS_TOKEN, type TestApp } from '../testkit/app';
import { createTestDatabase } from '../testkit/db';
import { sampleEvent } from '../testkit/events';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('health, readiness and metrics', () => {
  it('GET /healthz answers while the process lives', async () => {
    const res = await t.call('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz checks the database, and says not ready while draining or when the database is gone', async () => {
    expect((await t.call('GET', '/readyz')).status).toBe(200);

    let accepting = true;
    const draining = createApp({ ...t.deps, isAcceptingWork: () => accepting });
    accepting = false;
    const drainingRes = await draining.request('/readyz');
    expect(drainingRes.status).toBe(503);
    expect(await drainingRes.json()).toMatchObject({ status: 'unavailable', checks: { process: 'draining' } });

    const gone = await createTestDatabase();
    await gone.close();
    const noDb = createApp({ ...t.deps, db: gone.db });
    const noDbRes = await noDb.request('/readyz');
    expect(noDbRes.status).toBe(503);
    expect(await noDbRes.json()).toMatchObject({ checks: { database: 'unreachable' } });
  });

  it('GET /metrics is not public: its counters move with what subscribers do', async () => {
    const anonymous = await t.call('GET', '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await anonymous.text()).not.toContain('tracker_');
    const wrong = await t.call('GET', '/metrics', undefined, { headers: { authorization: 'Bearer not-the-metrics-token-0000' } });
    expect(wrong.status).toBe(401);
    const admin = await t.call('GET', '/metrics', undefined, { admin: true });
    expect(admin.status).toBe(401);
    const off = await createTestApp({ METRICS_TOKEN: '' }, t.database);
    const disabled = await off.call('GET', '/metrics');
    expect(disabled.status).toBe(503);
    expect(await disabled.json()).toMatchObject({ title: 'Metrics not configured' });
  });

  it('GET /metrics exposes the request histogram by route and the ingest counters', async () => {
    await t.call('GET', '/v1/events/some-missing-id');
    const event = sampleEvent();
    await t.call('POST', '/v1/admin/events', { events: [event] }, { admin: true });
    await t.call('POST', '/v1/admin/events', { events: [event, sampleEvent()] }, { admin: true });
    const res = await t.call('GET', '/metrics', undefined, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/v1\/events\/:id"[^}]*status="404"/);
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/v1\/admin\/events"[^}]*\} 2/);
    expect(text).toContain('tracker_events_ingested_total{outcome="published"} 2');
    expect(text).toContain('tracker_events_ingested_total{outcome="unchanged"} 1');
    expect(text).toContain('tracker_changes_appended_total{type="event.published"} 2');
  });
});
