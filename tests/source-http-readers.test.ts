import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchLimits, fetchSource, type Validators } from '../src/alerts/detector/fetch-source';
import { nodeHttpSourceReader } from '../src/alerts/detector/node-http-source';

const server = createServer((req, res) => {
  const path = req.url ?? '/';
  if (path === '/page') {
    if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
    return res
      .writeHead(200, { 'content-type': 'text/html', etag: '"v1"', 'last-modified': 'Sat, 01 Feb 2025 09:00:00 GMT' })
      .end('<p>Ça va</p>');
  }
  if (path === '/moved') return res.writeHead(301, { location: '/page' }).end();
  if (path === '/busy') return res.writeHead(429, { 'retry-after': '7' }).end('slow down');
  if (path === '/broken') return res.writeHead(500).end();
  if (path === '/huge') return res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' }).end('x'.repeat(5000));
  if (path === '/huge-chunked') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('x'.repeat(3000));
    return res.end('x'.repeat(3000));
  }
  if (path === '/latin1') return res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.from([0x43, 0xe7, 0x61]));
  if (path === '/slow') return setTimeout(() => res.writeHead(200).end('late'), 1500);
  res.writeHead(404).end();
});
let base: string;
/** A port nothing listens on (fetch refuses the well-known ones such as 9 outright). */
let closedBase: string;
const limits: FetchLimits = { timeoutMs: 500, maxBytes: 4096, userAgent: 'tracker-alerts-test' };
const readers = { fetch: {}, undici: { http: nodeHttpSourceReader() } };

/** What a reader makes of a url: its result with the body's text, or the error's class and message. */
const outcome = (reader: keyof typeof readers, path: string, previous: Validators = {}) =>
  fetchSource(`${base}${path}`, previous, limits, readers[reader])
    .then((result) => (result.status === 'ok' ? { ...result, body: result.body.text() } : result))
    .then(
      (result) => result,
      (error: Error & { status?: number; retryAfter?: string | null }) => ({
        error: error.name,
        message: error.message,
        status: error.status,
        retryAfter: error.retryAfter,
      }),
    );

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedBase = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("Node's http(s) source reader (an undici dispatch) answers as fetch does", () => {
  const cases: [string, string, Validators?][] = [
    ['a page with validators', '/page'],
    ['a conditional GET of an unchanged page', '/page', { etag: '"v1"' }],
    ['a redirect', '/moved'],
    ['a 429 with Retry-After', '/busy'],
    ['a 500', '/broken'],
    ['a body over the size cap (declared)', '/huge'],
    ['a body over the size cap (chunked)', '/huge-chunked'],
    ['invalid UTF-8', '/latin1'],
    ['a page slower than the timeout', '/slow'],
    ['a closed port', 'closed'],
  ];
  for (const [name, path, previous] of cases) {
    it(name, async () => {
      const read = (reader: keyof typeof readers) =>
        path === 'closed'
          ? fetchSource(`${closedBase}/page`, {}, limits, readers[reader]).catch((e: Error) => ({ error: e.name, message: e.message }))
          : outcome(reader, path, previous);
      const [viaFetch, viaUndici] = await Promise.all([read('fetch'), read('undici')]);
      expect(viaUndici).toEqual(viaFetch);
    });
  }

  it('the cases above give what the crawl relies on', async () => {
    expect(await outcome('undici', '/page')).toEqual({
      status: 'ok',
      body: '<p>Ça va</p>',
      contentType: 'text/html',
      validators: { etag: '"v1"', lastModified: 'Sat, 01 Feb 2025 09:00:00 GMT' },
    });
    expect(await outcome('undici', '/page', { etag: '"v1"' })).toEqual({ status: 'not_modified' });
    expect(await outcome('undici', '/busy')).toMatchObject({ error: 'SourceStatusError', status: 429, retryAfter: '7' });
    expect(await outcome('undici', '/huge')).toMatchObject({ message: 'is larger than the 4096 byte limit (5000 bytes)' });
    expect(await outcome('undici', '/slow')).toMatchObject({ message: 'timed out after 500 ms' });
  });
});
