import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testkit/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('generated API documentation', () => {
  it('GET /openapi.json is an OpenAPI 3.1 document of every route, generated from the validating schemas', async () => {
    const res = await t.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[]; security?: unknown }>>;
      components: {
        schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
        securitySchemes: Record<string, unknown>;
      };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/countries',
        '/v1/categories',
        '/v1/events',
        '/v1/events/{id}',
        '/v1/admin/events',
        '/v1/admin/changes',
        '/healthz',
        '/readyz',
        '/metrics',
      ]),
    );
    expect(doc.paths['/v1/events']!.get!.parameters!.map((p) => p.name).sort()).toEqual([
      'category',
      'country',
      'cursor',
      'limit',
      'since',
    ]);
    expect(doc.paths['/v1/admin/events']!.post!.security).toEqual([{ adminToken: [] }]);
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    // The ingest body schema is the same zod schema that validates: its fields and required list.
    const input = doc.components.schemas.EventInput!;
    expect(Object.keys(input.properties!)).toEqual(
      expect.arrayContaining([
        'id',
        'country',
        'month',
        'title',
        'body',
        'categories',
        'factors',
        'watchFlag',
        'updates',
        'sources',
        'url',
      ]),
    );
    expect(input.required).toEqual(expect.arrayContaining(['id', 'country', 'month', 'title']));
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it('GET /docs serves an interactive page over that document', async () => {
    const res = await t.call('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('/openapi.json');
    expect(html).toMatch(/scalar/i);
  });
});
