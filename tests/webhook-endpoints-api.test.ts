import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminEventChange, ChangePage } from '../src/routes/admin/changes/schema';
import type {
  DeliveryPage,
  ReplayResult,
  RetryAccepted,
  RotatedSecret,
  TestResult,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointCreated,
  WebhookEndpointList,
} from '../src/routes/webhooks/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { sampleEvent } from '../testkit/events';

/** A consumer's receiver on 127.0.0.1: verifies every request with the public standardwebhooks package. */
interface Receiver {
  url: string;
  /** Secrets it accepts; a request verifies if any of them verifies it. */
  secrets: string[];
  /** Status answered to a verified request (an unverified one gets 401). */
  status: number;
  received: { id: string; body: Record<string, unknown>; verified: boolean; signatures: number }[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'close'> = { secrets: [], status: 202, received: [] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const verified = receiver.secrets.some((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      receiver.received.push({
        id: headers['webhook-id'] ?? '',
        body: JSON.parse(body),
        verified,
        signatures: (headers['webhook-signature'] ?? '').split(' ').length,
      });
      res.writeHead(verified ? receiver.status : 401).end(verified ? 'thanks' : 'bad signature');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, { url: `http://127.0.0.1:${port}/hooks`, close: () => new Promise<void>((r) => server.close(() => r())) });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let t: TestApp;
/** The same database, without WEBHOOK_ALLOW_PRIVATE_NETWORKS: production's URL rules. */
let strict: TestApp;
let receiver: Receiver;
const tag = `wh${Date.now().toString(36)}`;

const admin = { admin: true };
const json = async <T>(res: Response, status: number): Promise<T> => {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
};
const create = async (body: WebhookEndpointCreate) => json<WebhookEndpointCreated>(await t.call('POST', '/v1/webhooks', body, admin), 201);
const errorPaths = async (res: Response) => {
  expect(res.status).toBe(422);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return ((await res.json()) as { errors: { path: string; message: string }[] }).errors;
};
const settle = () => t.deps.webhookPump.idle();
const ingest = async (events: ReturnType<typeof sampleEvent>[]) => {
  await json(await t.call('POST', '/v1/admin/events', { events }, admin), 200);
  await settle();
};
/** Every change so far, oldest first. */
const allChanges = async () =>
  (await json<ChangePage>(await t.call('GET', '/v1/admin/changes?after=0&limit=1000', undefined, admin), 200)).data;
const deliveryRows = (endpointId: string) =>
  t.deps.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'change_id', 'status', 'attempts'])
    .where('endpoint_id', '=', endpointId)
    .orderBy('change_id')
    .execute();
const allDeliveries = async (endpointId: string) => {
  const seen: DeliveryPage['data'] = [];
  let cursor: string | null = null;
  do {
    const page: DeliveryPage = await json<DeliveryPage>(
      await t.call('GET', `/v1/webhooks/${endpointId}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`, undefined, admin),
      200,
    );
    expect(page.data.length).toBeLessThanOrEqual(2);
    seen.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
};

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' });
  strict = await createTestApp({}, t.database);
  // Receivers check webhook-timestamp against their own clock (5 min tolerance).
  t.clock.set(new Date());
  receiver = await startReceiver();
});
afterAll(async () => {
  await settle();
  await strict.deps.webhookPump.idle();
  await receiver.close();
  await t.close();
});

describe('webhook endpoints', () => {
  it('logs an endpoint by its id and origin only: a Slack- or Discord-style URL carries its credential in path and query', async () => {
    const url = `${new URL(receiver.url).origin}/services/T0000/B0000/PathCredentialXyz?token=QueryCredentialXyz`;
    const created = await create({ url });
    await t.call('PATCH', `/v1/webhooks/${created.id}`, { url: `${url}&v=2` }, admin);
    await t.call('POST', `/v1/webhooks/${created.id}/test`, undefined, admin);
    await t.deps.webhookPump.idle();
    const logged = t.logs.lines.join('\n');
    expect(logged).not.toContain('PathCredentialXyz');
    expect(logged).not.toContain('QueryCredentialXyz');
    expect(t.logs.records().find((r) => r.msg === 'webhook endpoint created' && r.endpointId === created.id)).toMatchObject({
      origin: new URL(receiver.url).origin,
    });
  });

  it('registers an endpoint and shows its secret once: never in list, get, the database or the logs', async () => {
    const created = await create({
      url: receiver.url,
      types: ['event.updated', 'event.published'],
      countries: ['nor', 'KAZ', 'NOR'],
      categories: ['rights'],
      description: 'Newsroom bot',
    });
    expect(created).toMatchObject({
      url: receiver.url,
      types: ['event.published', 'event.updated'],
      countries: ['KAZ', 'NOR'],
      categories: ['rights'],
      description: 'Newsroom bot',
      enabled: true,
      disabledReason: null,
      createdAt: t.clock.now().toISOString(),
    });
    expect(created.id).toMatch(/^ep_[A-Za-z0-9_-]{16}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    const keyBytes = Buffer.from(created.secret.slice('whsec_'.length), 'base64').length;
    expect(keyBytes).toBeGreaterThanOrEqual(24);
    expect(keyBytes).toBeLessThanOrEqual(64);
    const key = created.secret.slice('whsec_'.length);

    const listText = await (await t.call('GET', '/v1/webhooks', undefined, admin)).text();
    const list = JSON.parse(listText) as WebhookEndpointList;
    expect(list.data.map((e) => e.id)).toContain(created.id);
    const getText = await (await t.call('GET', `/v1/webhooks/${created.id}`, undefined, admin)).text();
    const { secret: _secret, ...withoutSecret } = created;
    expect(JSON.parse(getText)).toEqual(withoutSecret);
    for (const text of [listText, getText]) {
      expect(text).not.toContain('secret');
      expect(text).not.toContain(key);
    }

    const row = await t.deps.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(t.logs.lines.join('\n')).not.toContain(key);

    // Two endpoints never share a secret or an id.
    const other = await create({ url: receiver.url });
    expect(other.secret).not.toBe(created.secret);
    expect(other.id).not.toBe(created.id);
    expect(other).toMatchObject({ types: [], countries: [], categories: [], description: null });
  });

  it('refuses unknown filters with the path of each bad value, and accepts factor ids', async () => {
    const errors = await errorPaths(
      await t.call(
        'POST',
        '/v1/webhooks',
        { url: receiver.url, types: ['event.published', 'event.deleted'], countries: ['KAZ', 'XXX'], categories: ['rights', 'nope'] },
        admin,
      ),
    );
    expect(errors.map((e) => e.path).sort()).toEqual(['categories[1]', 'countries[1]', 'types[1]']);
    expect(errors.find((e) => e.path === 'countries[1]')!.message).toMatch(/alpha-3/);

    expect((await errorPaths(await t.call('POST', '/v1/webhooks', { types: [] }, admin))).map((e) => e.path)).toEqual(['url']);
    expect(
      (await errorPaths(await t.call('POST', '/v1/webhooks', { url: receiver.url, secret: 'whsec_mine' }, admin)))[0]!.message,
    ).toMatch(/secret/);

    const withFactor = await create({ url: receiver.url, categories: ['rights.civil_liberties', 'participation'] });
    expect(withFactor.categories).toEqual(['participation', 'rights.civil_liberties']);
  });

  it('refuses internal and non-https URLs at registration with a 422 naming url', async () => {
    const count = async () =>
      (
        await t.deps.db
          .selectFrom('webhook_endpoints')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const before = await count();
    const refusal = async (app: TestApp, url: string) => {
      const errors = await errorPaths(await app.call('POST', '/v1/webhooks', { url }, admin));
      expect(errors.map((e) => e.path)).toEqual(['url']);
      return errors[0]!.message;
    };
    // Production rules: https only, and never an internal address.
    expect(await refusal(strict, receiver.url)).toMatch(/must use https/);
    for (const url of [
      'https://127.0.0.1/hooks',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://2130706433/',
      'https://0x7f.1/',
    ]) {
      expect(await refusal(strict, url), url).toMatch(/loopback/);
    }
    expect(await refusal(strict, 'https://10.0.0.1/')).toMatch(/private/);
    // Even with WEBHOOK_ALLOW_PRIVATE_NETWORKS, cloud metadata stays out of reach.
    expect(await refusal(t, 'http://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
    expect(await refusal(t, 'ftp://example.org/')).toMatch(/http or https/);
    expect(await refusal(t, 'not a url')).toMatch(/not a valid absolute URL/);
    expect(await refusal(t, 'https://user:pw@example.org/')).toMatch(/user name or password/);

    // The URL is checked again on every change.
    const endpoint = await create({ url: receiver.url });
    expect(
      (await errorPaths(await t.call('PATCH', `/v1/webhooks/${endpoint.id}`, { url: 'http://169.254.169.254/' }, admin))).map(
        (e) => e.path,
      ),
    ).toEqual(['url']);
    expect((await json<WebhookEndpoint>(await t.call('GET', `/v1/webhooks/${endpoint.id}`, undefined, admin), 200)).url).toBe(receiver.url);
    expect(Number(await count())).toBe(Number(before) + 1);
  });

  it('changes filters, disables and re-enables an endpoint (clearing why it was disabled)', async () => {
    const endpoint = await create({ url: receiver.url, types: ['event.published'], countries: ['KAZ'], description: 'old' });
    const patch = (body: unknown) => t.call('PATCH', `/v1/webhooks/${endpoint.id}`, body, admin);

    t.clock.advance(1000);
    const changed = await json<WebhookEndpoint>(await patch({ countries: ['deu'], categories: ['rule_of_law'], description: null }), 200);
    expect(changed).toMatchObject({
      types: ['event.published'],
      countries: ['DEU'],
      categories: ['rule_of_law'],
      description: null,
      enabled: true,
    });
    expect(changed.updatedAt).toBe(t.clock.now().toISOString());
    expect(changed.createdAt).toBe(endpoint.createdAt);

    const disabled = await json<WebhookEndpoint>(await patch({ enabled: false }), 200);
    expect(disabled.enabled).toBe(false);
    expect(disabled.disabledReason).toMatch(/operator/);

    // As the dispatcher leaves it after a 410 Gone or 5 days of failures.
    await t.deps.db
      .updateTable('webhook_endpoints')
      .set({ disabled_reason: 'the endpoint answered 410 Gone', failing_since: new Date('2025-01-01T00:00:00Z') })
      .where('id', '=', endpoint.id)
      .execute();
    expect(await json<WebhookEndpoint>(await t.call('GET', `/v1/webhooks/${endpoint.id}`, undefined, admin), 200)).toMatchObject({
      enabled: false,
      disabledReason: 'the endpoint answered 410 Gone',
      failingSince: '2025-01-01T00:00:00.000Z',
    });
    const enabled = await json<WebhookEndpoint>(await patch({ enabled: true }), 200);
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null, countries: ['DEU'] });

    expect((await errorPaths(await patch({}))).length).toBeGreaterThan(0);
    expect((await errorPaths(await patch({ types: ['event.nope'] }))).map((e) => e.path)).toEqual(['types[0]']);
    expect((await errorPaths(await patch({ enabled: 'yes' }))).map((e) => e.path)).toEqual(['enabled']);
    expect((await t.call('PATCH', '/v1/webhooks/ep_unknown', { enabled: true }, admin)).status).toBe(404);
  });

  it('deletes an endpoint: 204, then 404 everywhere', async () => {
    const endpoint = await create({ url: receiver.url });
    const res = await t.call('DELETE', `/v1/webhooks/${endpoint.id}`, undefined, admin);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    for (const [method, path] of [
      ['GET', ''],
      ['DELETE', ''],
      ['POST', '/rotate-secret'],
      ['POST', '/test'],
      ['GET', '/deliveries'],
    ] as const) {
      const gone = await t.call(method, `/v1/webhooks/${endpoint.id}${path}`, undefined, admin);
      expect(gone.status, `${method} ${path}`).toBe(404);
      expect(gone.headers.get('content-type')).toBe('application/problem+json');
    }
    const list = await json<WebhookEndpointList>(await t.call('GET', '/v1/webhooks', undefined, admin), 200);
    expect(list.data.map((e) => e.id)).not.toContain(endpoint.id);
  });

  it('answers 401 without the admin token', async () => {
    expect((await t.call('GET', '/v1/webhooks')).status).toBe(401);
    expect((await t.call('POST', '/v1/webhooks', { url: receiver.url })).status).toBe(401);
    expect((await t.call('GET', '/v1/webhooks/ep_x/deliveries')).status).toBe(401);
  });
});

describe('test pings and secret rotation', () => {
  it('sends a signed ping the receiver verifies, and answers its status and latency', async () => {
    const endpoint = await create({ url: receiver.url });
    receiver.secrets = [endpoint.secret];
    receiver.status = 202;
    const before = receiver.received.length;
    const result = await json<TestResult>(await t.call('POST', `/v1/webhooks/${endpoint.id}/test`, undefined, admin), 200);
    expect(result).toMatchObject({ ok: true, statusCode: 202 });
    expect(result.error).toBeUndefined();
    expect(result.deliveryId).toMatch(/^msg_/);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(receiver.received.slice(before)).toEqual([
      {
        id: result.deliveryId,
        verified: true,
        signatures: 1,
        body: { type: 'ping', timestamp: t.clock.now().toISOString(), data: { endpointId: endpoint.id } },
      },
    ]);

    // A consumer holding the wrong secret refuses it: the answer says so, still a 200.
    receiver.secrets = [(await create({ url: receiver.url })).secret];
    const refused = await json<TestResult>(await t.call('POST', `/v1/webhooks/${endpoint.id}/test`, undefined, admin), 200);
    expect(refused).toMatchObject({ ok: false, statusCode: 401, error: expect.stringContaining('401') });
    expect(receiver.received.at(-1)!.verified).toBe(false);
  });

  it('answers ok:false with the reason when nothing listens', async () => {
    const endpoint = await create({ url: `http://127.0.0.1:${await closedPort()}/hooks` });
    const result = await json<TestResult>(await t.call('POST', `/v1/webhooks/${endpoint.id}/test`, undefined, admin), 200);
    expect(result).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/could not connect/) });
  });

  it('rotates the secret: a new one, and for 24 h the old and the new both verify', async () => {
    const endpoint = await create({ url: receiver.url });
    const rotated = await json<RotatedSecret>(await t.call('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`, undefined, admin), 200);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(t.logs.lines.join('\n')).not.toContain(rotated.secret.slice('whsec_'.length));

    for (const secret of [endpoint.secret, rotated.secret]) {
      receiver.secrets = [secret];
      const result = await json<TestResult>(await t.call('POST', `/v1/webhooks/${endpoint.id}/test`, undefined, admin), 200);
      expect(result).toMatchObject({ ok: true, statusCode: 202 });
      expect(receiver.received.at(-1)).toMatchObject({ verified: true, signatures: 2 });
    }

    // Rotated more than 24 h ago: only the new one signs.
    const now = t.clock.now();
    t.clock.set(new Date(now.getTime() - 24 * 3600_000 - 1000));
    const older = await create({ url: receiver.url });
    const olderRotated = await json<RotatedSecret>(await t.call('POST', `/v1/webhooks/${older.id}/rotate-secret`, undefined, admin), 200);
    t.clock.set(now);
    receiver.secrets = [older.secret];
    expect(await json<TestResult>(await t.call('POST', `/v1/webhooks/${older.id}/test`, undefined, admin), 200)).toMatchObject({
      ok: false,
      statusCode: 401,
    });
    receiver.secrets = [olderRotated.secret];
    expect(await json<TestResult>(await t.call('POST', `/v1/webhooks/${older.id}/test`, undefined, admin), 200)).toMatchObject({
      ok: true,
    });
    expect(receiver.received.at(-1)).toMatchObject({ verified: true, signatures: 1 });
    expect((await t.call('POST', '/v1/webhooks/ep_unknown/rotate-secret', undefined, admin)).status).toBe(404);
  });
});

describe('delivery log, retry and replay', () => {
  let endpoint: WebhookEndpointCreated;
  /** Change ids of this block's events, by label. */
  const changeIds: Record<string, number> = {};
  let firstChangeId = 0;
  let secondBatchAt = '';

  beforeAll(async () => {
    endpoint = await create({ url: receiver.url, types: ['event.published', 'event.updated'], countries: ['NOR'], categories: ['rights'] });
    receiver.secrets = [endpoint.secret];
    receiver.status = 200;
    const ev = (label: string, overrides: Parameters<typeof sampleEvent>[0] = {}) =>
      sampleEvent({ id: `${tag}-${label}`, country: 'NOR', categories: ['rights'], factors: [], ...overrides });
    const before = (await allChanges()).at(-1)?.id ?? 0;
    const [a, b] = [ev('a'), ev('b')];
    // Receivers refuse timestamps far from their own clock (and ingestion delivers at once): a second apart.
    await ingest([
      a,
      b,
      ev('c', { categories: ['participation'] }), // other category
      ev('d', { country: 'KAZ' }), // other country
      ev('e', { categories: [] }), // no category: matches any category choice
    ]);
    t.clock.advance(1000);
    secondBatchAt = t.clock.now().toISOString();
    await ingest([
      { ...a, body: 'Edited.' },
      { ...b, watchFlag: true },
    ]); // event.updated, event.watch_flag_raised (a type not chosen)
    const changes = (await allChanges()).filter((c): c is AdminEventChange => c.id > before && 'eventId' in c);
    for (const c of changes) changeIds[`${c.eventId.slice(tag.length + 1)}:${c.type}`] = c.id;
    firstChangeId = changes[0]!.id;
    expect(Object.keys(changeIds).sort()).toEqual([
      'a:event.published',
      'a:event.updated',
      'b:event.published',
      'b:event.watch_flag_raised',
      'c:event.published',
      'd:event.published',
      'e:event.published',
    ]);
  });

  const wanted = () =>
    [changeIds['a:event.published'], changeIds['b:event.published'], changeIds['e:event.published'], changeIds['a:event.updated']].sort(
      (x, y) => x! - y!,
    );
  const replay = (since: unknown, id = endpoint.id) => t.call('POST', `/v1/webhooks/${id}/replay`, { since }, admin);

  it('replays every matching change since a change id, then reuses the same webhook-ids', async () => {
    expect(await json<ReplayResult>(await replay(firstChangeId), 202)).toEqual({ queued: 4 });
    await settle();
    const rows = await deliveryRows(endpoint.id);
    expect(rows.map((r) => Number(r.change_id))).toEqual(wanted());
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(4);
    // Delivered, signed, with the contract's body.
    for (const row of rows) {
      expect(row.status).toBe('delivered');
      const got = receiver.received.filter((r) => r.id === row.id);
      expect(got.length).toBeGreaterThanOrEqual(1);
      expect(got.every((r) => r.verified)).toBe(true);
      expect(got[0]!.body).toMatchObject({ data: { change: { id: Number(row.change_id) } } });
    }
    const updated = receiver.received.find((r) => r.id === rows.find((row) => Number(row.change_id) === changeIds['a:event.updated'])!.id)!;
    expect(updated.body).toMatchObject({
      type: 'event.updated',
      data: { event: { id: `${tag}-a`, body: 'Edited.' }, previous: { body: expect.any(String) } },
    });

    // Again: the same rows, re-queued under the same ids, and received again with them.
    const receivedBefore = receiver.received.length;
    expect(await json<ReplayResult>(await replay(firstChangeId), 202)).toEqual({ queued: 4 });
    await settle();
    const again = await deliveryRows(endpoint.id);
    expect(again.map((r) => r.id)).toEqual(ids);
    expect(again.every((r) => r.status === 'delivered' && r.attempts >= 2)).toBe(true);
    expect(
      receiver.received
        .slice(receivedBefore)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('replays since a time: only changes detected at or after it', async () => {
    const updatedRow = (await deliveryRows(endpoint.id)).find((r) => Number(r.change_id) === changeIds['a:event.updated'])!;
    const receivedBefore = receiver.received.length;
    expect(await json<ReplayResult>(await replay(secondBatchAt), 202)).toEqual({ queued: 1 });
    await settle();
    expect(receiver.received.slice(receivedBefore).map((r) => r.id)).toEqual([updatedRow.id]);
    expect(await json<ReplayResult>(await replay(new Date(t.clock.now().getTime() + 1000).toISOString()), 202)).toEqual({ queued: 0 });
    expect(await json<ReplayResult>(await replay(Number.MAX_SAFE_INTEGER), 202)).toEqual({ queued: 0 });
  });

  it('replays a time range: since (inclusive) to until (exclusive); an until not after since is a 422 naming it', async () => {
    const replayRange = (body: unknown) => t.call('POST', `/v1/webhooks/${endpoint.id}/replay`, body, admin);
    const updatedRow = (await deliveryRows(endpoint.id)).find((r) => Number(r.change_id) === changeIds['a:event.updated'])!;
    const receivedBefore = receiver.received.length;
    // Ends where the second batch starts: nothing of it.
    expect(await json<ReplayResult>(await replayRange({ since: secondBatchAt, until: secondBatchAt }), 422)).toMatchObject({
      errors: [{ path: 'until' }],
    });
    const later = new Date(Date.parse(secondBatchAt) + 1).toISOString();
    expect(await json<ReplayResult>(await replayRange({ since: secondBatchAt, until: later }), 202)).toEqual({ queued: 1 });
    await settle();
    expect(receiver.received.slice(receivedBefore).map((r) => r.id)).toEqual([updatedRow.id]);
    expect(await json<ReplayResult>(await replayRange({ since: firstChangeId, until: secondBatchAt }), 202)).toEqual({ queued: 3 }); // the first batch's a, b and e
    const soon = await json<{ errors: { path: string }[] }>(await replayRange({ since: secondBatchAt, until: 'soon' }), 422);
    expect(soon.errors.map((e) => e.path)).toEqual(['until']);
    // A bad since beside an until is a 422 naming since (the fuzz test found a 500: seed 1907925512).
    const badSince = await json<{ errors: { path: string }[] }>(await replayRange({ since: 0, until: later }), 422);
    expect(badSince.errors.map((e) => e.path)).toEqual(['since']);
  });

  it('replays to an endpoint created after the changes (new deliveries), honouring its filters', async () => {
    const late = await create({ url: receiver.url, types: ['event.published'], countries: ['KAZ', 'NOR'] });
    expect(await json<ReplayResult>(await replay(firstChangeId, late.id), 202)).toEqual({ queued: 5 });
    await settle();
    const rows = await deliveryRows(late.id);
    expect(rows.map((r) => Number(r.change_id))).toEqual(['a', 'b', 'c', 'd', 'e'].map((l) => changeIds[`${l}:event.published`]));
    // Not the ids of the other endpoint's deliveries.
    const otherIds = new Set((await deliveryRows(endpoint.id)).map((r) => r.id));
    expect(rows.some((r) => otherIds.has(r.id))).toBe(false);
  });

  it('refuses a bad since, an unknown endpoint and a disabled one', async () => {
    for (const since of ['yesterday', 0, -3, 1.5, null, '42']) {
      expect(
        (await errorPaths(await replay(since))).map((e) => e.path),
        String(since),
      ).toEqual(['since']);
    }
    expect((await replay(1, 'ep_unknown')).status).toBe(404);
    const paused = await create({ url: receiver.url });
    await json(await t.call('PATCH', `/v1/webhooks/${paused.id}`, { enabled: false }, admin), 200);
    expect((await replay(firstChangeId, paused.id)).status).toBe(409);
    expect(await deliveryRows(paused.id)).toEqual([]);
  });

  it('lists deliveries newest first with every attempt, paged by an opaque cursor', async () => {
    const failing = await startReceiver();
    try {
      failing.status = 500;
      const log = await create({ url: failing.url, countries: ['NOR'] });
      failing.secrets = [log.secret];
      // Two replays at two times: created_at orders them, ids break ties.
      expect(await json<ReplayResult>(await replay(changeIds['a:event.published'], log.id), 202)).toEqual({ queued: 6 }); // a, b, c, e published; a updated; b flag
      await settle();
      const firstPage = await json<DeliveryPage>(await t.call('GET', `/v1/webhooks/${log.id}/deliveries`, undefined, admin), 200);
      expect(firstPage.nextCursor).toBeNull();
      expect(firstPage.data).toHaveLength(6);
      const one = firstPage.data.find((d) => d.changeId === changeIds['a:event.updated'])!;
      expect(one).toMatchObject({
        type: 'event.updated',
        status: 'pending',
        attempts: 1,
        lastStatus: 500,
        deliveredAt: null,
        createdAt: t.clock.now().toISOString(),
      });
      expect(one.id).toMatch(/^msg_/);
      expect(Date.parse(one.nextAttemptAt!)).toBeGreaterThan(t.clock.now().getTime());
      expect(one.attemptLog).toEqual([{ at: t.clock.now().toISOString(), statusCode: 500, latencyMs: expect.any(Number), error: null }]);
      expect(failing.received.filter((r) => r.id === one.id)).toHaveLength(1);

      // A change newer than all of them, queued later.
      t.clock.advance(1000); // less than the first retry delay (5 s -20%): the failed ones stay not due
      await ingest([sampleEvent({ id: `${tag}-f`, country: 'NOR', categories: ['rights'], factors: [] })]);
      const newest = (await allChanges()).at(-1)!;
      await json(await replay(newest.id, log.id), 202);
      await settle();

      const paged = await allDeliveries(log.id);
      expect(paged).toHaveLength(7);
      expect(paged[0]!.changeId).toBe(newest.id);
      expect(new Set(paged.map((d) => d.id)).size).toBe(7);
      for (let i = 1; i < paged.length; i++) {
        const [a, b] = [paged[i - 1]!, paged[i]!];
        expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id), `${i}`).toBe(true);
      }

      const badCursor = await t.call('GET', `/v1/webhooks/${log.id}/deliveries?cursor=bm9wZQ`, undefined, admin);
      expect(badCursor.status).toBe(400);
      expect(((await badCursor.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['cursor']);
      expect((await t.call('GET', `/v1/webhooks/${log.id}/deliveries?limit=0`, undefined, admin)).status).toBe(400);
      expect((await t.call('GET', '/v1/webhooks/ep_unknown/deliveries', undefined, admin)).status).toBe(404);

      // Retry: now, with the same webhook-id; this time the receiver accepts it.
      failing.status = 200;
      const accepted = await json<RetryAccepted>(
        await t.call('POST', `/v1/webhooks/${log.id}/deliveries/${one.id}/retry`, undefined, admin),
        202,
      );
      expect(accepted).toEqual({ deliveryId: one.id, status: 'pending', nextAttemptAt: t.clock.now().toISOString() });
      await settle();
      expect(failing.received.filter((r) => r.id === one.id).map((r) => r.verified)).toEqual([true, true]);
      const retried = (await allDeliveries(log.id)).find((d) => d.id === one.id)!;
      expect(retried).toMatchObject({
        status: 'delivered',
        attempts: 2,
        lastStatus: 200,
        nextAttemptAt: null,
        deliveredAt: t.clock.now().toISOString(),
      });
      expect(retried.attemptLog.map((a) => a.statusCode)).toEqual([500, 200]);

      // Unknown delivery, or another endpoint's: 404. A disabled endpoint: 409.
      expect((await t.call('POST', `/v1/webhooks/${log.id}/deliveries/msg_unknown/retry`, undefined, admin)).status).toBe(404);
      expect((await t.call('POST', `/v1/webhooks/${endpoint.id}/deliveries/${one.id}/retry`, undefined, admin)).status).toBe(404);
      await json(await t.call('PATCH', `/v1/webhooks/${log.id}`, { enabled: false }, admin), 200);
      expect((await t.call('POST', `/v1/webhooks/${log.id}/deliveries/${one.id}/retry`, undefined, admin)).status).toBe(409);
    } finally {
      await settle();
      await failing.close();
    }
  });
});
