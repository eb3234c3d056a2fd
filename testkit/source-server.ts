import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The real Kazakhstan page, as the demo source ships it (a test checks it equals shared/fixtures' copy). */
export const kazakhstanFixture = readFileSync(
  new URL('../src/alerts/sources/demo/tracker-kazakhstan-2025-01.txt', import.meta.url),
  'utf8',
);

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Real HTTP sources on 127.0.0.1: the tracker page (with ETag / 304), a JSON feed the test
 * rewrites between runs, and the broken ones: garbage, a 500, a hang and a 50 MB body.
 */
export async function startSourceServer() {
  let feed: unknown = [];
  const requests: { path: string; conditional: boolean; status: number }[] = [];
  const etagOf = (body: string) => `"${createHash('sha1').update(body).digest('hex')}"`;

  const withEtag =
    (contentType: string, body: () => string): Handler =>
    (req, res) => {
      const text = body();
      const etag = etagOf(text);
      const conditional = req.headers['if-none-match'] !== undefined;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag }).end();
        requests.push({ path: req.url!, conditional, status: 304 });
        return;
      }
      res.writeHead(200, { 'content-type': contentType, etag }).end(text);
      requests.push({ path: req.url!, conditional, status: 200 });
    };

  const routes: Record<string, Handler> = {
    '/kazakhstan': withEtag('text/plain; charset=utf-8', () => kazakhstanFixture),
    '/feed.json': withEtag('application/json', () => JSON.stringify(feed)),
    '/garbage': (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><p>Welcome to my blog</p></body></html>'),
    '/garbage.json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"events": [{"id": '),
    '/error': (_req, res) => res.writeHead(500).end('boom'),
    '/hang': () => undefined, // never answers: the detector's timeout must end it
    '/huge': async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      const closed = new Promise((resolve) => res.once('close', resolve));
      for (let mb = 0; mb < 50 && !res.destroyed; mb++) {
        if (!res.write(chunk)) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
      }
      res.end();
    },
  };

  const server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (route) void route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${base}${path}`,
    setFeed: (value: unknown) => {
      feed = value;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface FeedRequest {
  conditional: boolean;
  status: number;
}

/**
 * A static JSON feed on 127.0.0.1 (`/feed.json`) serving bytes given beforehand, with an ETag
 * computed once as a static server keeps it; `honourConditional: false` ignores If-None-Match.
 */
export async function startFeedServer() {
  let body: Buffer = Buffer.alloc(0);
  let etag = '';
  let honourConditional = true;
  const requests: FeedRequest[] = [];
  const server = createServer((req, res) => {
    if (req.url !== '/feed.json') {
      res.writeHead(404).end();
      return;
    }
    const conditional = req.headers['if-none-match'] !== undefined;
    if (honourConditional && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      requests.push({ conditional, status: 304 });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, etag }).end(body);
    requests.push({ conditional, status: 200 });
  });
  // Keep idle connections as a production web server does (nginx: 75 s). Node's default of 5 s
  // races the client's reuse of an idle socket while a PGlite instance starts (ECONNRESET).
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.json`;
  return {
    url,
    requests,
    /** The feed's bytes; the ETag is computed here, as a static server would keep it. */
    serve(bytes: Buffer, options: { honourConditional: boolean }) {
      body = bytes;
      etag = `"${createHash('sha1').update(bytes).digest('hex')}"`;
      honourConditional = options.honourConditional;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
