import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testkit/app';
import { projectRoot } from '../testkit/process';

interface Operation {
  operationId?: string;
  security?: unknown[];
  responses: Record<string, unknown>;
}
type Paths = Record<string, Record<string, Operation>>;

const operationsOf = (paths: Paths) =>
  Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, method, operation })),
  );

/** Redocly CLI's verdict on a document, with the project's redocly.yaml (the recommended ruleset). */
async function redoclyLint(document: unknown) {
  const file = join(mkdtempSync(join(tmpdir(), 'openapi-lint-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const cli = join(projectRoot, 'node_modules/.bin/redocly');
  const run = await promisify(execFile)(cli, ['lint', '--config', join(projectRoot, 'redocly.yaml'), '--format=json', file], {
    cwd: projectRoot,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return JSON.parse(run.stdout) as { problems: { ruleId: string; severity: string; location: { pointer: string }[] }[] };
}

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

  it('names every operation, declares its security (none for public ones), and lists only answers it can give', async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as { paths: Paths };
    const operations = operationsOf(doc.paths);
    expect(operations.length).toBeGreaterThan(30);
    const ids = operations.map(({ name, operation }) => operation.operationId ?? `missing on ${name}`);
    expect(ids.filter((id) => id.startsWith('missing'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.filter(({ operation }) => !Array.isArray(operation.security)).map(({ name }) => name)).toEqual([]);
    expect(doc.paths['/v1/events']!.get!.security).toEqual([]);
    expect(doc.paths['/v1/webhooks']!.get!.security).toEqual([{ adminToken: [] }, { apiKey: [] }]);
    // A GET carries no body: the body guards' 413 and 415, and a body's 422, cannot happen.
    const bodyAnswers = operations
      .filter(({ method }) => method === 'get')
      .flatMap(({ name, operation }) => ['413', '415', '422'].filter((s) => s in operation.responses).map((s) => `${name} ${s}`));
    expect(bodyAnswers).toEqual([]);
  });

  it("passes Redocly's recommended ruleset with 0 errors", async () => {
    const doc = await (await t.call('GET', '/openapi.json')).json();
    const { problems } = await redoclyLint(doc);
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });
});
