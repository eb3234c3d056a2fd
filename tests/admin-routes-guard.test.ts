import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testkit/app';

/**
 * One suite for every admin route, discovered from the generated OpenAPI document (so a new
 * admin route is covered the day it is added): auth, and bad input that must change nothing.
 */
interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
  numericQuery: string[];
}

let t: TestApp;
let noToken: TestApp;
let operations: Operation[];

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'some-id');

async function rowCounts() {
  const count = async (table: 'events' | 'changes') =>
    Number(
      (
        await t.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { events: await count('events'), changes: await count('changes') };
}

beforeAll(async () => {
  t = await createTestApp();
  noToken = await createTestApp({ ADMIN_TOKEN: '' }, t.database);
  const doc = (await (await t.call('GET', '/openapi.json')).json()) as {
    paths: Record<
      string,
      Record<
        string,
        { security?: unknown[]; requestBody?: unknown; parameters?: { in: string; name: string; schema?: { type?: string } }[] }
      >
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => JSON.stringify(op.security ?? []).includes('adminToken'))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        hasBody: op.requestBody !== undefined,
        numericQuery: (op.parameters ?? [])
          .filter((p) => p.in === 'query' && (p.schema?.type === 'integer' || p.schema?.type === 'number'))
          .map((p) => p.name),
      })),
  );
});
afterAll(() => t.close());

describe('every admin route', () => {
  it('is found in the OpenAPI document', () => {
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining(['POST /v1/admin/events', 'GET /v1/admin/changes']),
    );
  });

  it('answers 401 problem+json without a token, with a wrong one, and with another scheme', async () => {
    for (const op of operations) {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', 'Basic YWRtaW46YWRtaW4=', 'Bearer']) {
        const res = await t.app.request(concrete(op.path), { method: op.method, headers: authorization ? { authorization } : {} });
        expect(res.status, `${op.method} ${op.path} ${authorization}`).toBe(401);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
  });

  it('answers 503 when the server has no ADMIN_TOKEN, whatever token is sent', async () => {
    for (const op of operations) {
      const res = await noToken.call(op.method, concrete(op.path), undefined, { admin: true });
      expect(res.status, `${op.method} ${op.path}`).toBe(503);
      expect(((await res.json()) as { type: string }).type).toMatch(/admin-disabled$/);
    }
  });

  it('refuses bad bodies and parameters with a 4xx naming the problem, and changes nothing', async () => {
    const before = await rowCounts();
    for (const op of operations) {
      const url = concrete(op.path);
      if (op.hasBody) {
        // An array where an object belongs is wrong for every body, even one whose fields are all optional.
        const empty = await t.call(op.method, url, [], { admin: true });
        expect(empty.status, `${op.method} ${op.path} []`).toBe(422);
        const emptyBody = (await empty.json()) as { errors: { path: string; message: string }[] };
        expect(emptyBody.errors.length).toBeGreaterThan(0);
        expect(emptyBody.errors[0]!.path).not.toBe('');

        const malformed = await t.call(op.method, url, '{"events": [', { admin: true });
        expect(malformed.status, `${op.method} ${op.path} malformed`).toBe(400);
        expect(malformed.headers.get('content-type')).toBe('application/problem+json');

        const wrongType = await t.call(op.method, url, 'hello', { admin: true, headers: { 'content-type': 'text/plain' } });
        expect(wrongType.status, `${op.method} ${op.path} text/plain`).toBe(415);
      }
      for (const name of op.numericQuery) {
        const res = await t.call(op.method, `${url}?${name}=not-a-number`, undefined, { admin: true });
        expect(res.status, `${op.method} ${op.path} ${name}`).toBe(400);
        expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(name);
      }
    }
    expect(await rowCounts()).toEqual(before);
  });
});
