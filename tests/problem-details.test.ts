import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testkit/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, title: expect.any(String), type: expect.stringMatching(/^https:\/\//) });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|node_modules|stack/);
  return body;
}

describe('errors are RFC 9457 problem+json, never a stack trace', () => {
  it('malformed JSON is a 400', async () => {
    const res = await t.call('POST', '/v1/admin/events', '{"events": [}', { admin: true });
    await expectProblem(res, 400);
  });

  it('a body that is not JSON is a 415', async () => {
    const res = await t.app.request('/v1/admin/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.deps.config.adminToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'events=1',
    });
    await expectProblem(res, 415);
  });

  it('an oversized body is a 413, before it is parsed', async () => {
    const huge = JSON.stringify({ events: [{ body: 'x'.repeat(17 * 1024 * 1024) }] });
    const res = await t.call('POST', '/v1/admin/events', huge, { admin: true });
    await expectProblem(res, 413);
  });

  it('an unknown route is a 404 problem', async () => {
    await expectProblem(await t.call('GET', '/v1/nothing-here'), 404);
  });

  it('validation problems list each field with a path, a JSON pointer and a message', async () => {
    const res = await t.call('POST', '/v1/admin/events', { events: [{ id: 'x', country: 'KAZ' }] }, { admin: true });
    const body = await expectProblem(res, 422);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'events[0].month', pointer: '#/events/0/month', message: expect.any(String) },
        { path: 'events[0].title', pointer: '#/events/0/title', message: expect.any(String) },
      ]),
    );
    expect(body.detail).toContain('events[0].month');
  });

  it('an unexpected failure is a 500 problem that does not echo the internal message', async () => {
    const broken = await createTestApp({}, t.database);
    const app = broken.app;
    app.get('/boom', () => {
      throw new Error('secret internal detail: password=hunter2');
    });
    const res = await app.request('/boom');
    const body = await expectProblem(res, 500);
    expect(JSON.stringify(body)).not.toContain('hunter2');
    const logged = broken.logs.records().find((r) => r.msg === 'unhandled error');
    expect(logged).toBeDefined();
  });
});
