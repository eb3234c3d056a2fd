/**
 * Webhook receivers run in a worker thread (started by `webhook-receivers.ts`), so their CPU does
 * not compete with the sender's event loop: node:http servers on 127.0.0.1 (keep-alive 60 s)
 * that verify every signed request with `standardwebhooks` and record its arrival time and
 * change id; unsigned raw POSTs (header `x-bench-raw`) are only counted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { Webhook } from 'standardwebhooks';

export type ReceiverCommand =
  | { cmd: 'start'; delays: number[] }
  | { cmd: 'secrets'; secrets: string[] }
  | { cmd: 'counts' }
  | { cmd: 'collect' }
  | { cmd: 'close' };

export interface ReceiverCounts {
  signed: number;
  raw: number;
  pending: number;
}

/** What one receiver saw since the last collect. */
export interface Collected {
  changeIds: number[];
  /** Arrival times, `performance.timeOrigin + performance.now()`: comparable across threads. */
  at: number[];
  unique: number;
  dup: number;
  verified: number;
  unverified: number;
  raw: number;
  connections: number;
  requests: number;
}

export type ReceiverReply =
  | { cmd: 'start'; urls: string[] }
  | { cmd: 'counts'; counts: ReceiverCounts[] }
  | { cmd: 'collect'; receivers: Collected[] }
  | { cmd: 'secrets' | 'close' };

interface Receiver {
  server?: Server;
  webhook?: Webhook;
  pending: number;
  ids: Set<string>;
  seen: Collected;
}

const wallMs = () => performance.timeOrigin + performance.now();
const emptySeen = (): Collected => ({
  changeIds: [],
  at: [],
  unique: 0,
  dup: 0,
  verified: 0,
  unverified: 0,
  raw: 0,
  connections: 0,
  requests: 0,
});
const receivers: Receiver[] = [];

function record(r: Receiver, headers: Record<string, string | string[] | undefined>, body: string, at: number): void {
  const seen = r.seen;
  if (headers['x-bench-raw']) {
    seen.raw++;
    return;
  }
  const id = String(headers['webhook-id'] ?? '');
  if (r.ids.has(id)) seen.dup++;
  r.ids.add(id);
  try {
    r.webhook!.verify(body, headers as Record<string, string>);
    seen.verified++;
  } catch {
    seen.unverified++;
  }
  let changeId = -1;
  try {
    changeId = JSON.parse(body).data.change.id;
  } catch {}
  seen.changeIds.push(changeId);
  seen.at.push(at);
}

async function start(delayMs: number): Promise<string> {
  const r: Receiver = { pending: 0, ids: new Set(), seen: emptySeen() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.seen.requests++;
      r.pending++;
      record(r, req.headers, Buffer.concat(chunks).toString('utf8'), wallMs());
      const answer = () => {
        r.pending--;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      };
      if (delayMs) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.on('connection', () => r.seen.connections++);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.server = server;
  receivers.push(r);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

async function answer(msg: ReceiverCommand): Promise<ReceiverReply> {
  switch (msg.cmd) {
    case 'start': {
      const urls: string[] = [];
      for (const delay of msg.delays) urls.push(await start(delay));
      return { cmd: 'start', urls };
    }
    case 'secrets':
      msg.secrets.forEach((s, i) => {
        receivers[i]!.webhook = new Webhook(s);
      });
      return { cmd: 'secrets' };
    case 'counts':
      return { cmd: 'counts', counts: receivers.map((r) => ({ signed: r.seen.at.length, raw: r.seen.raw, pending: r.pending })) };
    case 'collect': {
      const out = receivers.map((r) => ({ ...r.seen, unique: r.ids.size }));
      for (const r of receivers) {
        r.seen = emptySeen();
        r.ids = new Set();
      }
      return { cmd: 'collect', receivers: out };
    }
    case 'close':
      for (const r of receivers) {
        r.server?.closeAllConnections();
        r.server?.close();
      }
      return { cmd: 'close' };
  }
}

parentPort?.on('message', async (msg: ReceiverCommand) => parentPort!.postMessage(await answer(msg)));
