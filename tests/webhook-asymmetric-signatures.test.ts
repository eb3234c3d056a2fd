import { createPublicKey, verify } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeySet } from '../src/routes/webhook-signing-keys/schema';
import type { WebhookEndpointCreated } from '../src/routes/webhooks/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { sampleEvent } from '../testkit/events';

interface Request {
  path: string;
  headers: Record<string, string>;
  body: string;
}

let t: TestApp;
let server: Server;
let base: string;
const requests: Request[] = [];

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' });
  t.clock.set(new Date()); // standardwebhooks checks webhook-timestamp against the real clock
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      requests.push({ path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.deps.webhookPump.idle();
  server.close();
  await t.close();
});

const keySet = async () => {
  const res = await t.app.request('/v1/webhook-signing-keys');
  expect(res.status).toBe(200);
  return (await res.json()) as KeySet;
};

/** Verifies each `v1a` entry with Node's own Ed25519 verify on the published keys (no code of ours): which key verified it. */
function v1aSigners(request: Request, keys: KeySet['keys']): (string | undefined)[] {
  const content = Buffer.from(`${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`);
  return request.headers['webhook-signature']!.split(' ')
    .filter((entry) => entry.startsWith('v1a,'))
    .map((entry) => {
      const signature = Buffer.from(entry.slice(4), 'base64');
      return keys.find((k) => verify(null, content, createPublicKey({ key: { kty: k.kty, crv: k.crv, x: k.x }, format: 'jwk' }), signature))
        ?.kid;
    });
}

const create = async (path: string, signatures?: string[]) => {
  const res = await t.call('POST', '/v1/webhooks', { url: `${base}${path}`, ...(signatures ? { signatures } : {}) }, { admin: true });
  expect(res.status).toBe(201);
  return (await res.json()) as WebhookEndpointCreated;
};

describe('asymmetric (v1a, Ed25519) webhook signatures', () => {
  it('publishes the service keys as a public JWKS, with the Standard Webhooks spelling beside each', async () => {
    const { keys } = await keySet();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(Buffer.from(keys[0]!.x, 'base64url')).toHaveLength(32);
    expect(keys[0]!.whpk).toBe(`whpk_${Buffer.from(keys[0]!.x, 'base64url').toString('base64')}`);
    const doc = (await (await t.app.request('/openapi.json')).json()) as { paths: Record<string, { get: { security: unknown[] } }> };
    expect(doc.paths['/v1/webhook-signing-keys']!.get.security).toEqual([]);
  });

  it('signs each endpoint with what it chose: v1 (checked by standardwebhooks), v1a (checked by crypto.verify), or both', async () => {
    const both = await create('/both', ['v1a', 'v1']);
    const only = await create('/only', ['v1a']);
    const classic = await create('/classic');
    expect([both.signatures, only.signatures, classic.signatures]).toEqual([['v1', 'v1a'], ['v1a'], ['v1']]);
    const res = await t.call('POST', '/v1/admin/events', { events: [sampleEvent({ id: 'sig-1' })] }, { admin: true });
    expect(res.status).toBe(200);
    await t.deps.webhookPump.idle();
    const { keys } = await keySet();
    const at = (path: string) => requests.find((r) => r.path === path && r.body.includes('sig-1'))!;

    expect(() => new Webhook(both.secret).verify(at('/both').body, at('/both').headers)).not.toThrow();
    expect(v1aSigners(at('/both'), keys)).toEqual([keys[0]!.kid]);
    expect(v1aSigners(at('/only'), keys)).toEqual([keys[0]!.kid]);
    expect(at('/only').headers['webhook-signature']).not.toMatch(/(^| )v1,/);
    expect(() => new Webhook(only.secret).verify(at('/only').body, at('/only').headers)).toThrow();
    expect(() => new Webhook(classic.secret).verify(at('/classic').body, at('/classic').headers)).not.toThrow();
    expect(v1aSigners(at('/classic'), keys)).toEqual([]);
  });

  it('rotates with an overlap: both keys sign and are published until the old one retires', async () => {
    const endpoint = await create('/rotating', ['v1a']);
    const before = (await keySet()).keys;
    const rotated = await t.call('POST', '/v1/admin/webhook-signing-keys/rotate', { overlapSeconds: 3600 }, { admin: true });
    expect(rotated.status).toBe(200);
    const during = (await keySet()).keys;
    expect(during.map((k) => k.kid)).toEqual([expect.not.stringMatching(before[0]!.kid), before[0]!.kid]);
    expect(during[1]!.retiresAt).toBe(new Date(t.clock.now().getTime() + 3600_000).toISOString());

    const ping = async () => {
      const answer = await t.call('POST', `/v1/webhooks/${endpoint.id}/test`, undefined, { admin: true });
      expect(((await answer.json()) as { ok: boolean }).ok).toBe(true);
      return requests.filter((r) => r.path === '/rotating').at(-1)!;
    };
    expect(v1aSigners(await ping(), during)).toEqual(during.map((k) => k.kid));

    const start = t.clock.now();
    t.clock.set(new Date(start.getTime() + 3601_000));
    try {
      const after = (await keySet()).keys;
      expect(after.map((k) => k.kid)).toEqual([during[0]!.kid]);
      expect(v1aSigners(await ping(), during)).toEqual([during[0]!.kid]);
    } finally {
      t.clock.set(start);
    }
  });

  it('refuses an empty or unknown scheme with a 422 naming `signatures`, and changes nothing', async () => {
    const endpoint = await create('/unchanged');
    for (const signatures of [[], ['v2'], 'v1a']) {
      const created = await t.call('POST', '/v1/webhooks', { url: `${base}/x`, signatures }, { admin: true });
      expect(created.status).toBe(422);
      expect(((await created.json()) as { errors: { path: string }[] }).errors[0]!.path).toMatch(/^signatures/);
      const patched = await t.call('PATCH', `/v1/webhooks/${endpoint.id}`, { signatures }, { admin: true });
      expect(patched.status).toBe(422);
    }
    const got = (await (await t.call('GET', `/v1/webhooks/${endpoint.id}`, undefined, { admin: true })).json()) as { signatures: string[] };
    expect(got.signatures).toEqual(['v1']);
    const bad = await t.call('POST', '/v1/admin/webhook-signing-keys/rotate', { overlapSeconds: 'soon' }, { admin: true });
    expect(bad.status).toBe(422);
  });
});
