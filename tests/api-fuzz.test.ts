import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { Webhook } from 'svix';
import { afterAll, describe, expect, it } from 'vitest';
import { runDigestTick } from '../src/alerts/digest/runner';
import { findSubscriber, findSubscriberByEmail, type SubscriberRow } from '../src/db/subscribers';
import { findDelivery } from '../src/db/webhook-deliveries';
import { findEndpoint } from '../src/db/webhook-endpoints';
import { createTokenSigner, type TokenPurpose } from '../src/email/tokens';
import { confirmSubscription } from '../src/subscribers/manage';
import { requestSubscription } from '../src/subscribers/subscribe';
import { ADMIN_TOKEN, createTestApp, TEST_APP_SECRET } from '../testkit/app';
import { sampleEvent } from '../testkit/events';
import {
  authorization,
  describeRequest,
  encodeComponent,
  extraQuery,
  type FuzzRequest,
  formBody,
  jsonBody,
  jsonContentType,
  materialize,
  nastyString,
  pathSegment,
  queryValue,
  tokenValue,
} from '../testkit/fuzz-inputs';
import { differences, type Observation, observeEffects, within } from '../testkit/fuzz-observe';
import { signLegacyLinkToken } from '../testkit/legacy-link-token';
import { startReceiver } from '../testkit/webhook-receiver';

/**
 * Fuzzes every route: each operation of the app's own OpenAPI document, and the page and
 * form routes it does not describe, gets FUZZ_RUNS generated requests (wrong types, huge and
 * odd unicode strings, missing and extra fields, wrong content types, broken JSON, bad and
 * forged tokens, odd ids and cursors). No answer may be a 5xx; a 4xx from a JSON route is
 * problem+json whose status is the HTTP status; and a 4xx changes nothing: no row of any
 * table, no email, no background task, no webhook pump kick, no webhook request.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`api-fuzz: seed ${SEED}, ${RUNS} runs per route; replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);

const resendSecret = `whsec_${Buffer.from('fuzz-resend-webhook-secret-32by!').toString('base64')}`;
const started = performance.now();
const receiver = await startReceiver();
const feedDir = mkdtempSync(join(tmpdir(), 'tracker-alerts-fuzz-feed-'));
writeFileSync(join(feedDir, 'feed.json'), JSON.stringify([sampleEvent({ id: 'feed-event-1', country: 'FRA' })]));
const t = await createTestApp({
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
  RESEND_WEBHOOK_SECRET: resendSecret,
  SOURCE_URLS: pathToFileURL(join(feedDir, 'feed.json')).href,
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});

const observer = await observeEffects(t.deps, {
  dataDir: t.deps.config.dataDir,
  received: () => receiver.received.length,
  // rate_limits: the sign-up statement counts every sign-up attempt that reaches it, and a
  // 429 is such an attempt (that is what makes it a limit).
  excludeTables: new Set(['rate_limits']),
});

// ---- seeded data, kept alive across requests that succeed ----

interface Fixtures {
  subscriber: SubscriberRow;
  pending: SubscriberRow;
  digestId: string;
  eventId: string;
  eventCursor: string;
  endpointId: string;
  endpointOffId: string;
  deliveryId: string;
  deliveryCursor: string;
}

let made = 0;
let digestTicks = 0;

// biome-ignore lint/suspicious/noExplicitAny: seeding reads whatever each route answers
async function ok(response: Response | Promise<Response>, status = 200): Promise<any> {
  const res = await response;
  const text = await res.text();
  if (res.status !== status) throw new Error(`seeding: expected ${status}, got ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function newSubscriber(confirmed: boolean): Promise<SubscriberRow> {
  const email = `fuzz-seed-${++made}@example.org`;
  const preferences = {
    countries: ['KAZ'],
    regions: [],
    categories: [],
    frequency: 'monthly' as const,
    timezone: 'UTC',
    skipEmpty: false,
    instantAlerts: false,
    neutralSubjects: false,
    countryContext: false,
  };
  await requestSubscription(t.deps, { email, preferences, source: 'api', client: `seed-client-${made}` }); // one client per seed, so seeding never meets the per-client limit
  const row = (await findSubscriberByEmail(t.deps.db, email))!;
  if (confirmed) await confirmSubscription(t.deps, row.id);
  await t.deps.background.idle();
  return (await findSubscriber(t.deps.db, row.id))!;
}

/** A sent digest of `subscriber`, for its view-in-browser token. */
async function digestOf(subscriber: SubscriberRow): Promise<string> {
  // Each tick a month after the last, so the new subscriber's period is due.
  await runDigestTick(t.deps, { asOf: new Date(Date.UTC(2025, 2 + digestTicks++, 1, 9, 5)), trigger: 'api', dryRun: false });
  const row = await t.deps.db
    .selectFrom('digests')
    .select('id')
    .where('subscriber_id', '=', subscriber.id)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) throw new Error('seeding: no digest was made');
  return String(row.id);
}

async function newEndpoint(enabled: boolean): Promise<string> {
  const { id } = await ok(t.call('POST', '/v1/webhooks', { url: receiver.url, description: 'fuzz' }, { admin: true }), 201);
  if (!enabled) await ok(t.call('PATCH', `/v1/webhooks/${id}`, { enabled: false }, { admin: true }));
  return id as string;
}

/** Ingests a new event, so the enabled endpoint gets a delivery; answers its id and a cursor. */
async function newDelivery(endpointId: string) {
  await ok(
    t.call('POST', '/v1/admin/events', { events: [sampleEvent({ month: '2025-01' }), sampleEvent({ month: '2024-12' })] }, { admin: true }),
  );
  await within(t.deps.webhookPump.idle(), 'the webhook pump');
  const page = await ok(t.call('GET', `/v1/webhooks/${endpointId}/deliveries?limit=1`, undefined, { admin: true }));
  if (!page.data[0] || !page.nextCursor) throw new Error('seeding: no delivery was made');
  return { deliveryId: page.data[0].id as string, deliveryCursor: page.nextCursor as string };
}

async function seed(): Promise<Fixtures> {
  const endpointId = await newEndpoint(true);
  const endpointOffId = await newEndpoint(false);
  const delivery = await newDelivery(endpointId);
  const events = await ok(t.call('GET', '/v1/events?limit=1'));
  const subscriber = await newSubscriber(true);
  return {
    subscriber,
    pending: await newSubscriber(false),
    digestId: await digestOf(subscriber),
    eventId: events.data[0].id,
    eventCursor: events.nextCursor,
    endpointId,
    endpointOffId,
    ...delivery,
  };
}

const appReady = performance.now();
const fixtures = await seed();
console.log(
  `api-fuzz: app built in ${((appReady - started) / 1000).toFixed(1)} s, data seeded in ${((performance.now() - appReady) / 1000).toFixed(1)} s`,
);

/**
 * Leaves the fixture endpoint the only enabled one, so the next fan-out goes to it alone. An
 * endpoint the fuzz made or left behind may have a rate limit, and under the test's fixed clock
 * a throttled endpoint's send slots never come: the pump would hold its deliveries for ever.
 */
async function disableOtherEndpoints(fixtureId: string): Promise<boolean> {
  const { numUpdatedRows } = await t.deps.db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: 'left behind by the fuzz' })
    .where('enabled', '=', true)
    .where('id', '<>', fixtureId)
    .executeTakeFirst();
  return numUpdatedRows > 0n;
}

/** After a request that succeeded: replaces what it used up (unsubscribed, confirmed, deleted, disabled, throttled). Answers whether it did. */
async function restoreFixtures(): Promise<boolean> {
  let changed = false;
  const f = fixtures;
  const subscriber = await findSubscriber(t.deps.db, f.subscriber.id);
  if (subscriber?.status !== 'confirmed' || subscriber.token_version !== f.subscriber.token_version) {
    f.subscriber = await newSubscriber(true);
    f.digestId = await digestOf(f.subscriber);
    changed = true;
  }
  const pending = await findSubscriber(t.deps.db, f.pending.id);
  if (pending?.status !== 'pending' || pending.token_version !== f.pending.token_version) {
    f.pending = await newSubscriber(false);
    changed = true;
  }
  const endpoint = await findEndpoint(t.deps.db, f.endpointId);
  const replaced = !endpoint?.enabled || endpoint.url !== receiver.url || endpoint.rate_limit !== null;
  if (replaced) f.endpointId = await newEndpoint(true);
  if (await disableOtherEndpoints(f.endpointId)) changed = true;
  if (replaced || !(await findDelivery(t.deps.db, f.endpointId, f.deliveryId))) {
    Object.assign(f, await newDelivery(f.endpointId));
    changed = true;
  }
  const off = await findEndpoint(t.deps.db, f.endpointOffId);
  if (!off || off.enabled) {
    f.endpointOffId = await newEndpoint(false);
    changed = true;
  }
  return changed;
}

// ---- placeholders ----

const otherSigner = createTokenSigner('another-app-secret-0123456789-0123456789', t.clock);

function realToken(purpose: TokenPurpose, signer = t.deps.tokens): string {
  const s = purpose === 'confirm' ? fixtures.pending : fixtures.subscriber;
  return signer.sign(purpose, {
    publicId: s.public_id,
    version: s.token_version,
    ...(purpose === 'view' ? { ref: fixtures.digestId } : {}),
  });
}

/** Placeholders that name one seeded value. */
const seeded: Record<string, () => string> = {
  admin: () => ADMIN_TOKEN,
  receiver: () => receiver.url,
  // Svix checks timestamps against the real clock, not the app's.
  'now-seconds': () => String(Math.floor(Date.now() / 1000)),
  event: () => fixtures.eventId,
  'event-cursor': () => fixtures.eventCursor,
  endpoint: () => fixtures.endpointId,
  'endpoint-off': () => fixtures.endpointOffId,
  delivery: () => fixtures.deliveryId,
  'delivery-cursor': () => fixtures.deliveryCursor,
  'sub-email': () => fixtures.subscriber.email,
  'pending-email': () => fixtures.pending.email,
};

function resolve(name: string): string {
  const [kind, ...args] = name.split(':');
  const value = seeded[name];
  if (value) return value();
  switch (kind) {
    case 'tok':
      // The confirmed subscriber's links, and a pending one's confirmation link.
      if (args[0] === 'pending') return realToken('confirm');
      if (args[0] === 'confirm')
        return t.deps.tokens.sign('confirm', { publicId: fixtures.subscriber.public_id, version: fixtures.subscriber.token_version });
      return realToken(args[0] as TokenPurpose);
    case 'forged':
      return realToken(args[0] as TokenPurpose, otherSigner);
    case 'tamper': {
      const token = realToken(args[0] as TokenPurpose);
      return token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    }
    case 'truncate':
      return realToken(args[0] as TokenPurpose).slice(0, -5);
    case 'sign': {
      // Genuinely signed with the app's key, with claims the app never issues; a numeric
      // subscriber is named the way links signed before public ids named it.
      const [purpose, s, v, ref] = args as [TokenPurpose, string, string, string | undefined];
      const who = s === 'pending' ? fixtures.pending : fixtures.subscriber;
      const version = v === 'cur' ? who.token_version : Number(v);
      const claimRef = ref === undefined ? undefined : ref === 'digest' ? fixtures.digestId : decodeURIComponent(ref);
      const claims = { version, ...(claimRef !== undefined ? { ref: claimRef } : {}) };
      try {
        if (/^\d+$/.test(s))
          return signLegacyLinkToken(TEST_APP_SECRET, purpose, { subscriberId: Number(s), issuedAt: t.clock.now(), ...claims });
        const publicId = s === 'unknown' ? randomUUID() : who.public_id;
        return t.deps.tokens.sign(purpose, { publicId, ...claims }, { ttlMs: null });
      } catch {
        return 'unsignable-claims';
      }
    }
    default:
      // Not a placeholder: generated text that happens to hold guillemets is sent as it is.
      return `«${name}»`;
  }
}

/** Signs an email-events request the way Resend does, when its svix-signature asks for it. */
function signSvix(body: string, headers: Headers) {
  if (headers.get('svix-signature') !== 'valid') return;
  const id = headers.get('svix-id') ?? 'msg_fuzz';
  const timestamp = new Date(Number(headers.get('svix-timestamp')) * 1000);
  headers.set('svix-signature', new Webhook(resendSecret).sign(id, Number.isFinite(timestamp.getTime()) ? timestamp : new Date(), body));
}

// ---- the properties ----

const isForm = (contentType: string | null) => /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType ?? '');

let before: Observation = await observer.observe();
let previous = '(none)';

/** Statuses answered, per route under test, printed at the end: shows how far the inputs got. */
const statuses = new Map<string, Map<number, number>>();
let currentRoute = '';
afterAll(() => {
  const lines = [...statuses].map(
    ([route, counts]) =>
      `${route.padEnd(52)} ${[...counts]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
  );
  const { observations, checksums } = observer.stats;
  console.log(`api-fuzz statuses (seed ${SEED}):\n${lines.join('\n')}\n${observations} observations, ${checksums} needing table checksums`);
});

/** A failure of the harness itself (re-seeding), reported as such rather than as a state change of the next request. */
let harnessError: unknown;

/**
 * The property of every route. `route` is the test it runs for: a property still running
 * after its test timed out stops at its next request instead of sending requests, and
 * making state changes, during the next test.
 */
async function check(route: string, fuzz: FuzzRequest): Promise<void> {
  if (route !== currentRoute) throw new Error(`${route}: its test is over`);
  if (harnessError) throw new Error('re-seeding the fixtures failed', { cause: harnessError });
  const request = materialize(fuzz, resolve, signSvix);
  const path = new URL(request.url).pathname;
  const page = !path.startsWith('/v1/') || (path === '/v1/subscriptions' && isForm(request.headers.get('content-type')));
  const res = await t.app.request(request);
  const text = await res.text();
  const counts = statuses.get(route) ?? new Map<number, number>();
  statuses.set(route, counts.set(res.status, (counts.get(res.status) ?? 0) + 1));
  const after = await observer.observe();
  const contentType = res.headers.get('content-type') ?? '';
  const context = () =>
    `\n${describeRequest(fuzz)}\nanswered ${res.status} ${contentType}: ${text.slice(0, 500)}\n(the request before: ${previous})`;
  try {
    expect(res.status, `a 5xx${context()}`).toBeLessThan(500);
    if (res.status >= 400) {
      if (request.method === 'HEAD') {
        // No body to read: the GET of the same URL is checked by its own route.
      } else if (contentType.startsWith('application/problem+json')) {
        let problem: { status?: unknown; type?: unknown; title?: unknown } = {};
        expect(() => (problem = JSON.parse(text) as typeof problem), `problem+json that is not JSON${context()}`).not.toThrow();
        expect(problem.status, `problem status${context()}`).toBe(res.status);
        expect(typeof problem.type === 'string' && typeof problem.title === 'string', `problem type and title${context()}`).toBe(true);
      } else {
        expect(page && contentType.startsWith('text/html'), `a 4xx that is not problem+json${context()}`).toBe(true);
      }
      const changed = differences(before, after);
      expect(changed.length, `a ${res.status} changed state:\n  ${changed.join('\n  ')}${context()}`).toBe(0);
    }
  } finally {
    previous = `${describeRequest(fuzz)} -> ${res.status}`;
    before = after;
    if (res.status < 400) {
      try {
        if (await restoreFixtures()) before = await observer.observe();
      } catch (error) {
        harnessError = error;
      }
    }
  }
}

const bodyMethods = new Set(['post', 'put', 'patch', 'delete']);

interface Operation {
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> };
}

const doc = (await (await t.app.request('/openapi.json')).json()) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};
const schemaContext = { resolve: (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')]! };

/** Hand-written body schema for the one route whose body the document leaves open (it is verified over raw bytes). */
const resendEventSchema = {
  type: 'object',
  properties: {
    type: { enum: ['email.bounced', 'email.complained', 'email.delivered', 'email.opened'] },
    created_at: { type: 'string', format: 'date-time' },
    data: {
      type: 'object',
      properties: {
        to: { type: 'array', items: { type: 'string' }, maxItems: 2 },
        email_id: { type: 'string' },
        bounce: { type: 'object', properties: { type: { enum: ['Permanent', 'Transient', 'Undetermined'] }, message: { type: 'string' } } },
      },
      required: ['to'],
    },
  },
  required: ['type', 'data'],
};

/** The seeded id a path parameter names: the route's own kind, so most requests get past the lookup. */
function idPlaceholder(template: string, name: string): string | undefined {
  if (name === 'deliveryId') return '«delivery»';
  if (template.startsWith('/v1/webhooks/')) return '«endpoint»';
  if (template.startsWith('/v1/events/')) return '«event»';
  return undefined;
}

/** The token purpose a route takes (the pending subscriber's confirmation link for /confirm). */
function tokenPurposeOf(template: string) {
  const purposes = {
    '/confirm': 'pending',
    '/preferences': 'manage',
    '/preferences/sign-out': 'manage',
    '/preferences/openpgp': 'manage',
    '/preferences/openpgp/remove': 'manage',
    '/v1/preferences': 'manage',
    '/v1/preferences/openpgp-key': 'manage',
    '/v1/preferences/export': 'export',
    '/openpgp/confirm': 'openpgp',
    '/unsubscribe': 'unsubscribe',
    '/unsubscribe/stop': 'unsubscribe',
    '/unsubscribe/fewer': 'unsubscribe',
    '/digests/view': 'view',
  } as const;
  return purposes[template as keyof typeof purposes];
}

/** Requests for one operation of the document: its path, query and body parameters, credentials and headers. */
function operationRequests(template: string, method: string, op: Operation): fc.Arbitrary<FuzzRequest> {
  const pieces = template.split(/\{[^}]+\}/);
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const pathArb = fc
    .tuple(
      fc.tuple(...names.map((name) => pathSegment(idPlaceholder(template, name)))),
      fc.oneof({ weight: 12, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('/', '/extra') }),
    )
    .map(([segments, tail]) => pieces.map((piece, i) => piece + (segments[i] ?? '')).join('') + tail);
  const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
  const token = tokenValue(tokenPurposeOf(template));
  const queryArb = fc
    .tuple(
      fc.tuple(
        ...queryParams.map((p) =>
          fc
            .option(queryValue(p.name, token), { freq: p.required || p.name === 'token' ? 10 : 2 })
            .map((v) => (v === null ? undefined : `${p.name}=${encodeComponent(v)}`)),
        ),
      ),
      extraQuery,
    )
    .map(([known, extra]) => [...known.filter((x): x is string => x !== undefined), ...extra].join('&'));
  const schema = op.requestBody?.content['application/json']?.schema ?? (template === '/v1/email-events' ? resendEventSchema : undefined);
  const bodyArb = bodyMethods.has(method)
    ? fc.option(fc.tuple(jsonBody(schema, schemaContext), jsonContentType), { freq: 6, nil: undefined })
    : fc.constant(undefined);
  const svixArb =
    template === '/v1/email-events'
      ? fc.record(
          {
            id: fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^msg_[a-z0-9]{1,10}$/) }, { weight: 1, arbitrary: nastyString }),
            timestamp: fc.oneof(
              { weight: 4, arbitrary: fc.constant('«now-seconds»') },
              { weight: 1, arbitrary: fc.constantFrom('0', '-1', '99999999999', 'abc', '') },
            ),
            signature: fc.oneof(
              { weight: 4, arbitrary: fc.constant('valid') },
              { weight: 1, arbitrary: fc.constantFrom('v1,AAAA', `v1,${'A'.repeat(44)}`, '', 'v2,x v1,y') },
              { weight: 1, arbitrary: nastyString },
            ),
          },
          { requiredKeys: ['signature'] },
        )
      : fc.constant(undefined);
  return fc
    .record({ path: pathArb, query: queryArb, auth: authorization, body: bodyArb, svix: svixArb })
    .map(({ path, query, auth, body, svix }) => {
      const headers: [string, string][] = [];
      if (auth !== undefined) headers.push(['authorization', auth]);
      if (body?.[1] !== undefined) headers.push(['content-type', body[1]]);
      if (svix?.id !== undefined) headers.push(['svix-id', svix.id]);
      if (svix?.timestamp !== undefined) headers.push(['svix-timestamp', svix.timestamp]);
      if (svix?.signature !== undefined) headers.push(['svix-signature', svix.signature]);
      return { method: method.toUpperCase(), path, query, headers, ...(body ? { body: body[0] } : {}) };
    });
}

/** The form posts of the subscriber pages, which the document does not describe. */
function formRequests(path: string, withToken: boolean): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      token: withToken ? fc.option(tokenValue(tokenPurposeOf(path)), { freq: 10, nil: undefined }) : fc.constant(undefined),
      form: formBody,
      origin: fc.oneof(
        { weight: 5, arbitrary: fc.constant('http://localhost') },
        { weight: 1, arbitrary: fc.constantFrom(undefined, 'https://evil.example', 'null') },
      ),
      extra: extraQuery,
    })
    .map(({ token, form, origin, extra }) => {
      const headers: [string, string][] = [];
      if (form.contentType !== undefined) headers.push(['content-type', form.contentType]);
      if (origin !== undefined) headers.push(['origin', origin]);
      const query = [...(token !== undefined ? [`token=${encodeComponent(token)}`] : []), ...extra].join('&');
      return { method: 'POST', path, query, headers, body: form.body };
    });
}

const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ path, method, op })),
);

/** Every request past a body limit, once per route that takes a body: 256 KB, or 16 MB for the ingest route. */
function oversized(path: string, method: string): FuzzRequest {
  const limit = path === '/v1/admin/events' ? 16 * 1024 * 1024 : 256 * 1024;
  return {
    method: method.toUpperCase(),
    path: path.replace(/\{[^}]+\}/g, '«endpoint»'),
    query: '',
    headers: [
      ['authorization', 'Bearer «admin»'],
      ['content-type', 'application/json'],
    ],
    body: `"«huge:${limit}:a»"`,
  };
}

const runs = (property: fc.IAsyncProperty<[FuzzRequest]>, index: number, options: { examples?: FuzzRequest[]; numRuns?: number } = {}) =>
  fc.assert(property, { numRuns: options.numRuns ?? RUNS, seed: SEED + index, examples: (options.examples ?? []).map((e) => [e]) });

/** Per route: a request that succeeds may re-seed (a new endpoint, an ingest, a digest tick), which is slow on a loaded machine. */
const timeout = Math.max(60_000, RUNS * 2_000);

/** A route without parameters or body varies only in credentials, junk query and trailing slash: a quarter of the runs do. */
const runsFor = (method: string, op: Operation) =>
  method === 'get' && !op.parameters?.length && !op.requestBody ? Math.ceil(RUNS / 4) : RUNS;

describe('API fuzzing: no 5xx, problem+json 4xx, and a 4xx changes nothing', () => {
  it('covers every route the app serves: the OpenAPI document plus the page routes below', () => {
    const served = new Set(t.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    const fuzzed = new Set([...operations.map((o) => `${o.method.toUpperCase()} ${o.path}`), ...extraRoutes.map((r) => r.name)]);
    expect([...served].filter((route) => !fuzzed.has(route)).sort()).toEqual([]);
  });

  operations.forEach(({ path, method, op }, index) => {
    const route = `${method.toUpperCase()} ${path}`;
    it(
      route,
      async () => {
        currentRoute = route;
        const examples = bodyMethods.has(method) ? [oversized(path, method)] : [];
        await runs(
          fc.asyncProperty(operationRequests(path, method, op), (fuzz) => check(route, fuzz)),
          index,
          { examples, numRuns: runsFor(method, op) },
        );
      },
      timeout,
    );
  });

  const extraRoutes: { name: string; requests: fc.Arbitrary<FuzzRequest>; numRuns?: number }[] = [
    { name: 'POST /v1/subscriptions (form)', requests: formRequests('/v1/subscriptions', false) },
    { name: 'POST /preferences', requests: formRequests('/preferences', true) },
    { name: 'POST /unsubscribe (form)', requests: formRequests('/unsubscribe', true) },
    { name: 'POST /unsubscribe/fewer', requests: formRequests('/unsubscribe/fewer', true) },
    { name: 'POST /unsubscribe/stop', requests: formRequests('/unsubscribe/stop', true) },
    {
      name: 'GET /check-inbox',
      numRuns: Math.ceil(RUNS / 4),
      requests: extraQuery.map((q) => ({ method: 'GET', path: '/check-inbox', query: q.join('&'), headers: [] })),
    },
    {
      name: 'GET /assets/{name}',
      requests: fc
        .oneof(fc.constantFrom('signup.js', 'style.css', 'app.css'), pathSegment())
        .map((name) => ({ method: 'GET', path: `/assets/${name}`, query: '', headers: [] })),
    },
    {
      name: 'GET /openapi.json',
      numRuns: Math.ceil(RUNS / 4),
      requests: extraQuery.map((q) => ({ method: 'GET', path: '/openapi.json', query: q.join('&'), headers: [] })),
    },
    {
      name: 'GET /docs',
      numRuns: Math.ceil(RUNS / 4),
      requests: extraQuery.map((q) => ({ method: 'GET', path: '/docs', query: q.join('&'), headers: [] })),
    },
    {
      name: 'GET /docs/assets/{name}',
      numRuns: Math.ceil(RUNS / 4),
      requests: fc
        .oneof(fc.constantFrom('scalar-api-reference.js', '..%2Fpackage.json'), pathSegment())
        .map((name) => ({ method: 'GET', path: `/docs/assets/${name}`, query: '', headers: [] })),
    },
    {
      name: 'unknown paths and methods',
      requests: fc
        .record({
          method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
          path: fc.array(pathSegment(), { minLength: 1, maxLength: 3 }),
          v1: fc.boolean(),
        })
        .map(({ method, path, v1 }) => ({
          method,
          path: `${v1 ? '/v1/' : '/'}${path.join('/')}`,
          query: '',
          headers: [['authorization', 'Bearer «admin»']] as [string, string][],
        })),
    },
    {
      name: 'GET /preferences/signed-out',
      numRuns: Math.ceil(RUNS / 4),
      requests: extraQuery.map((q) => ({ method: 'GET', path: '/preferences/signed-out', query: q.join('&'), headers: [] })),
    },
    // The consumer portal without a session (401 pages) or with a forged link; its own test covers it signed in.
    ...['/portal', '/portal/event-types', '/portal/endpoints/{id}'].map((path) => ({
      name: `GET ${path}`,
      numRuns: Math.ceil(RUNS / 4),
      requests: fc.record({ extra: extraQuery, token: fc.option(fc.string(), { nil: undefined }) }).map(({ extra, token }) => ({
        method: 'GET',
        path: path.replace('{id}', 'ep_fuzz'),
        query: [...(token !== undefined ? [`token=${encodeComponent(token)}`] : []), ...extra].join('&'),
        headers: [] as [string, string][],
      })),
    })),
    ...[
      '/portal/endpoints',
      '/portal/endpoints/{id}',
      '/portal/endpoints/{id}/test',
      '/portal/endpoints/{id}/rotate-secret',
      '/portal/endpoints/{id}/replay',
      '/portal/endpoints/{id}/deliveries/{deliveryId}/retry',
    ].map((path) => ({
      name: `POST ${path}`,
      numRuns: Math.ceil(RUNS / 4),
      requests: formRequests(path.replace('{id}', 'ep_fuzz').replace('{deliveryId}', 'msg_fuzz'), false),
    })),
    // Last: a sign-out that succeeds retires the fixture subscriber's links for what follows.
    { name: 'POST /preferences/sign-out', requests: formRequests('/preferences/sign-out', true) },
    { name: 'POST /preferences/openpgp', requests: formRequests('/preferences/openpgp', true) },
    { name: 'POST /preferences/openpgp/remove', requests: formRequests('/preferences/openpgp/remove', true) },
  ];
  extraRoutes.forEach(({ name, requests, numRuns }, index) => {
    it(
      name,
      async () => {
        currentRoute = name;
        const examples = name.startsWith('POST')
          ? [
              {
                ...oversized(name.split(' ')[1]!, 'post'),
                headers: [
                  ['content-type', 'application/x-www-form-urlencoded'],
                  ['origin', 'http://localhost'],
                ] as [string, string][],
              },
            ]
          : [];
        await runs(
          fc.asyncProperty(requests, (fuzz) => check(name, fuzz)),
          operations.length + index,
          { examples, ...(numRuns ? { numRuns } : {}) },
        );
      },
      timeout,
    );
  });
});

describe('the harness after a request that succeeded', () => {
  it('replaces an endpoint the fuzz throttled and disables it, so a fan-out never waits for send slots the fixed clock cannot bring', async () => {
    const throttled = fixtures.endpointId;
    await ok(t.call('PATCH', `/v1/webhooks/${throttled}`, { rateLimit: 1 }, { admin: true }));
    expect(await restoreFixtures()).toBe(true);
    expect(fixtures.endpointId).not.toBe(throttled);
    expect((await findEndpoint(t.deps.db, throttled))?.enabled).toBe(false);
    expect((await findEndpoint(t.deps.db, fixtures.endpointId))?.rate_limit).toBeNull();
    await ok(
      t.call(
        'POST',
        '/v1/admin/events',
        { events: [sampleEvent({ month: '2025-01' }), sampleEvent({ month: '2024-11' })] },
        { admin: true },
      ),
    );
    await observer.observe(); // fails naming the pump if it never goes idle
  });
});

describe('regressions the fuzzer found (each was a 500)', () => {
  const admin = { admin: true };
  const problemAt = async (res: Response, status: number, path: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(path);
  };

  it('a NUL character (U+0000), which PostgreSQL cannot store, is refused naming the field', async () => {
    await problemAt(await t.call('GET', '/v1/webhooks/a%00b', undefined, admin), 400, 'id');
    await problemAt(
      await t.call('POST', '/v1/admin/events', { events: [sampleEvent({ title: 'Arrest\u0000' })] }, admin),
      422,
      'events[0].title',
    );
    await problemAt(await t.call('PATCH', `/v1/webhooks/${fixtures.endpointId}`, { description: 'a\u0000' }, admin), 422, 'description');
    const cursor = Buffer.from(JSON.stringify(['2025-02-01T09:00:00Z', 'msg_\u0000'])).toString('base64url');
    await problemAt(
      await t.call('GET', `/v1/webhooks/${fixtures.endpointId}/deliveries?cursor=${cursor}`, undefined, admin),
      400,
      'cursor.id',
    );
  });

  it('a lone UTF-16 surrogate, which PostgreSQL json refuses and text mangles, is refused naming the field', async () => {
    const event = (fields: Record<string, unknown>) => ({ events: [sampleEvent(fields)] });
    await problemAt(await t.call('POST', '/v1/admin/events', event({ title: 'x\ud83dy' }), admin), 422, 'events[0].title');
    await problemAt(
      await t.call('POST', '/v1/admin/events', event({ updates: [{ text: 'later \udc00' }] }), admin),
      422,
      'events[0].updates[0].text',
    );
    await problemAt(
      await t.call('POST', '/v1/admin/events', event({ sources: [{ name: '\ud800Wire' }] }), admin),
      422,
      'events[0].sources[0].name',
    );
    await problemAt(await t.call('PATCH', `/v1/webhooks/${fixtures.endpointId}`, { description: 'a\udfffb' }, admin), 422, 'description');
    const wellFormed = await t.call(
      'POST',
      '/v1/admin/events',
      event({ id: 'surrogate-pair-ok', title: 'A pair \ud83d\ude00 is fine' }),
      admin,
    );
    expect(wellFormed.status).toBe(200);
  });

  it('a time outside the years 0001-9999 in UTC (PGlite cannot send it) is refused naming the field', async () => {
    await problemAt(await t.call('GET', '/v1/events?since=0000-01-01T00:00:00Z'), 400, 'since');
    await problemAt(await t.call('GET', `/v1/events?since=${encodeURIComponent('9999-12-31T23:59:59-14:00')}`), 400, 'since');
    await problemAt(await t.call('POST', '/v1/admin/digests/run', { now: '0001-01-01T00:30:00+01:00' }, admin), 422, 'now');
    await problemAt(await t.call('POST', `/v1/webhooks/${fixtures.endpointId}/replay`, { since: '0000-06-01' }, admin), 422, 'since');
    expect((await t.call('GET', '/v1/events?since=0001-01-01T00:00:00Z')).status).toBe(200);
  });

  it('a genuinely signed view token without a digest id is a bad link, not a query with NaN', async () => {
    const token = t.deps.tokens.sign(
      'view',
      { publicId: fixtures.subscriber.public_id, version: fixtures.subscriber.token_version },
      { ttlMs: null },
    );
    const res = await t.call('GET', `/digests/view?token=${token}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
  });

  it('a multipart form without its boundary is a 400', async () => {
    const post = (path: string) =>
      t.app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data', origin: 'http://localhost' },
        body: '--x--\r\n',
      });
    for (const path of ['/v1/subscriptions', `/preferences?token=${realToken('manage')}`]) {
      const res = await post(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { type: string }).type).toMatch(/malformed-form$/);
    }
  });

  it('a correctly signed email event with an svix-id too long for its index is a 400', async () => {
    const id = `msg_${'x'.repeat(300_000)}`;
    const body = JSON.stringify({ type: 'email.delivered', data: { to: ['a@example.org'] } });
    const now = new Date();
    const res = await t.app.request('/v1/email-events', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
        'svix-signature': new Webhook(resendSecret).sign(id, now, body),
      },
      body,
    });
    expect(res.status).toBe(400);
  });

  it('an asset name that is an Object property (constructor, __proto__) is a 404', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) expect((await t.app.request(`/assets/${name}`)).status, name).toBe(404);
  });
});
