import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCERPT_BYTES, type WebhookConnections, type WebhookRequest } from '../src/alerts/webhooks/http/contract';
import { openPinnedConnections } from '../src/alerts/webhooks/http/node-client';
import { postWithFetch } from '../src/alerts/webhooks/http/workers-client';

// The same request contract from both transports: Node's pinned undici connections and the
// Workers' fetch (run here on Node's fetch).
const transports: [string, () => WebhookConnections][] = [
  ['pinned undici (Node)', openPinnedConnections],
  ['fetch (Workers)', () => ({ post: postWithFetch, close: async () => undefined })],
];

describe.each(transports)('webhook POST through %s', (_name, open) => {
  let server: Server;
  let base: string;
  const seen: { path: string | undefined; host: string | undefined; headers: Record<string, unknown>; body: string }[] = [];
  let connections: WebhookConnections;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ path: req.url, host: req.headers.host, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url === '/busy') res.writeHead(429, { 'retry-after': '120' }).end('slow down');
        else if (req.url === '/big') res.writeHead(500, { 'content-type': 'text/plain' }).end('é'.repeat(5_000));
        else if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
        else if (req.url === '/hang') setTimeout(() => res.writeHead(200).end('late'), 3_000);
        else if (req.url === '/empty') res.writeHead(204).end();
        else res.writeHead(200).end('ok');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    connections = open();
  });
  afterAll(async () => {
    await connections.close();
    server.closeAllConnections();
    server.close();
  });

  const post = (path: string, extra: Partial<WebhookRequest> = {}) =>
    connections.post({
      url: new URL(path, base),
      addresses: ['127.0.0.1'],
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
      body: '{"a":1}',
      timeoutMs: 5_000,
      ...extra,
    });

  it('sends the body and headers, and answers the status and a short excerpt', async () => {
    expect(await post('/hook')).toEqual({ statusCode: 200, retryAfter: null, excerpt: 'ok' });
    expect(seen.at(-1)).toMatchObject({
      path: '/hook',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
    });
    expect(await post('/empty')).toEqual({ statusCode: 204, retryAfter: null, excerpt: null });
  });

  it('reads Retry-After', async () => {
    expect(await post('/busy')).toEqual({ statusCode: 429, retryAfter: '120', excerpt: 'slow down' });
  });

  it(`keeps at most ${EXCERPT_BYTES} bytes of a long answer`, async () => {
    const answer = await post('/big');
    expect(answer.statusCode).toBe(500);
    expect(Buffer.byteLength(answer.excerpt!)).toBeLessThanOrEqual(EXCERPT_BYTES + 2); // a cut character decodes to U+FFFD
    expect(answer.excerpt!.startsWith('é'.repeat(500))).toBe(true);
    expect(await post('/hook')).toMatchObject({ statusCode: 200 }); // and the next request still goes out
  });

  it('answers a redirect without following it', async () => {
    const before = seen.length;
    expect(await post('/moved')).toMatchObject({ statusCode: 302 });
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/moved']);
  });

  it('gives up when no answer comes within the timeout', async () => {
    const started = performance.now();
    const failure = await post('/hang', { timeoutMs: 300 }).catch((error: Error) => error);
    expect(failure).toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('pinned undici POST: the connection goes only to the checked addresses', () => {
  let server: Server;
  let port: number;
  const hosts: (string | undefined)[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hosts.push(req.headers.host);
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('reaches the pinned address with no lookup of the host name, which it still sends', async () => {
    const connections = openPinnedConnections();
    try {
      // rebind.test exists in no DNS (.test is reserved): reaching the server proves nothing was looked up.
      const answer = await connections.post({
        url: new URL(`http://rebind.test:${port}/hook`),
        addresses: ['127.0.0.1'],
        headers: {},
        body: '{}',
        timeoutMs: 5_000,
      });
      expect(answer.statusCode).toBe(200);
      expect(hosts.at(-1)).toBe(`rebind.test:${port}`);
    } finally {
      await connections.close();
    }
  });

  it('pinned to 127.0.0.2, the receiver on 127.0.0.1 is not reached', async () => {
    const before = hosts.length;
    const connections = openPinnedConnections();
    try {
      const failure = await connections
        .post({
          url: new URL(`http://127.0.0.1.rebind.test:${port}/hook`),
          addresses: ['127.0.0.2'],
          headers: {},
          body: '{}',
          timeoutMs: 5_000,
        })
        .catch((error: Error) => error);
      expect(failure).toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await connections.close();
    }
    expect(hosts.length).toBe(before);
  });
});
