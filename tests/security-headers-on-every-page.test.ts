import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testkit/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const htmlPages = [
  '/',
  '/confirm?token=bad',
  '/preferences?token=bad',
  '/unsubscribe?token=bad',
  '/digests/view?token=bad',
  '/docs',
  '/no-such-page',
];

describe('security headers', () => {
  it('every HTML page, error pages and the docs included, forbids framing and sniffing and has a CSP', async () => {
    for (const path of htmlPages) {
      const res = await t.app.request(path, { headers: { accept: 'text/html' } });
      const type = res.headers.get('content-type') ?? '';
      if (!type.startsWith('text/html')) continue;
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    const viewError = await t.app.request('/digests/view?token=bad');
    expect(viewError.status).toBe(400);
    expect(viewError.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('the docs page allows its own inline script by hash and nothing inline beside it', async () => {
    const res = await t.app.request('/docs');
    const html = await res.text();
    const inline = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]!).filter((s) => s.trim());
    expect(inline.length).toBeGreaterThan(0);
    const policy = res.headers.get('content-security-policy') ?? '';
    for (const body of inline) expect(policy).toContain(`'sha256-${createHash('sha256').update(body).digest('base64')}'`);
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  });

  it('JSON and problem answers are not sniffed either', async () => {
    for (const path of ['/v1/taxonomy/countries', '/v1/events/missing']) {
      const res = await t.app.request(path);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});
