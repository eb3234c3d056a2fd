import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../testkit/app';

/**
 * Any JSON value the router can parse, sent to every JSON route of the OpenAPI document, gets a
 * 2xx or a problem+json 4xx: never a 5xx. Strings are arbitrary UTF-16, lone surrogates included;
 * some values are wrapped in nesting as deep as the route's body limit allows.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
console.log(`json-bodies: seed ${SEED}, ${RUNS} runs per route; replay with FUZZ_SEED=${SEED}`);

let t: TestApp;
let routes: { method: string; path: string }[];

beforeAll(async () => {
  t = await createTestApp();
  const doc = (await (await t.app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>;
  };
  routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([, op]) => op.requestBody?.content?.['application/json'])
      .map(([method, _op]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'fuzz-id') })),
  );
});
afterAll(() => t.close());

const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    anyText,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyText, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** The value as JSON text, inside `depth` levels of arrays or objects (built as text: a deep value would overflow JSON.stringify). */
const nested = (value: unknown, depth: number, kind: 'array' | 'object') =>
  kind === 'array'
    ? `${'['.repeat(depth)}${JSON.stringify(value)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${JSON.stringify(value)}${'}'.repeat(depth)}`;

const bodies = fc.oneof(
  { weight: 4, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(anyJson, fc.integer({ min: 1, max: 120_000 }), fc.constantFrom('array' as const, 'object' as const))
      .map(([v, depth, kind]) => nested(v, kind === 'object' ? Math.min(depth, 45_000) : depth, kind)),
  },
);

describe('every JSON route, any JSON body', () => {
  it('answers 2xx or a problem+json 4xx, never a 5xx', { timeout: 300_000 }, async () => {
    expect(routes.length).toBeGreaterThan(5);
    for (const [index, route] of routes.entries()) {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const res = await t.app.request(route.path, {
            method: route.method,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
            body,
          });
          const text = await res.text();
          expect(res.status, `${route.method} ${route.path}: ${text.slice(0, 300)}`).toBeLessThan(500);
          if (res.status >= 400)
            expect(res.headers.get('content-type'), `${route.method} ${route.path}`).toMatch(/^application\/problem\+json/);
        }),
        { seed: SEED + index, numRuns: RUNS },
      );
      await t.deps.background.idle();
      await t.deps.webhookPump.idle();
    }
  });
});
