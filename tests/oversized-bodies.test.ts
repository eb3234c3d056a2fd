import { connect } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../testkit/app';

let t: TestApp;
let server: ServerType;
let port: number;

beforeAll(async () => {
  t = await createTestApp();
  await new Promise<void>((resolve) => {
    server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      port = info.port;
      resolve();
    });
  });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

const threeMegabytes = JSON.stringify({ countries: ['x'.repeat(3 * 1024 * 1024)] });

/** Writes a request by hand, the body in slow pieces, and notes when the answer began relative to the last piece. */
function rawRequest(head: string, body: Buffer, pieces = 8): Promise<{ response: string; answeredBeforeBodyEnded: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let bodyEnded = false;
    let answeredBeforeBodyEnded = false;
    socket.on('data', (chunk) => {
      if (!response && !bodyEnded) answeredBeforeBodyEnded = true;
      response += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ response, answeredBeforeBodyEnded }));
    socket.on('connect', async () => {
      socket.write(head);
      const size = Math.ceil(body.length / pieces);
      for (let i = 0; i < body.length; i += size) {
        await new Promise((r) => setTimeout(r, 30));
        socket.write(body.subarray(i, i + size));
      }
      bodyEnded = true;
      setTimeout(() => socket.end(), 500);
    });
  });
}

describe('bodies over the limit', () => {
  it('fetch always reads the 413 problem, never a closed connection', async () => {
    for (let i = 0; i < 10; i++) {
      for (const [method, path, headers] of [
        ['PUT', '/v1/preferences?token=whatever', {}],
        ['POST', '/v1/admin/digests/run', { authorization: `Bearer ${ADMIN_TOKEN}` }],
      ] as const) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: threeMegabytes,
        });
        expect(res.status, `${method} ${path}`).toBe(413);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await res.json()).toMatchObject({ title: 'Request body too large' });
      }
    }
  });

  it('a raw client writing slowly gets its 413 after it has sent the whole body, declared or chunked', async () => {
    const body = Buffer.from(threeMegabytes);
    const declared = await rawRequest(
      `PUT /v1/preferences?token=x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      body,
    );
    expect(declared.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared.answeredBeforeBodyEnded).toBe(false);

    const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    const streamed = await rawRequest(
      'PUT /v1/preferences?token=x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      chunked,
    );
    expect(streamed.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(streamed.answeredBeforeBodyEnded).toBe(false);
  });

  it('a body within the limit still reaches its route whole', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/admin/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ events: [] }),
    });
    expect(res.status).toBeLessThan(500);
    const chunkedSmall = await rawRequest(
      'POST /v1/subscriptions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      Buffer.from('1a\r\n{"email":"small@example.org"}\r\n0\r\n\r\n'.replace('1a', (29).toString(16))),
      2,
    );
    expect(chunkedSmall.response).toMatch(/^HTTP\/1\.1 202 /);
  });
});
