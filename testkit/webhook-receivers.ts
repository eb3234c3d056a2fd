/**
 * Webhook receivers in a worker thread, so their CPU does not compete with the sender's event
 * loop: node:http servers on 127.0.0.1 (keep-alive 60 s) that verify every signed request with
 * `standardwebhooks` and record its arrival time and change id; unsigned raw POSTs (header
 * `x-bench-raw`) are only counted. This file is both sides: `startWebhookReceivers` in the
 * caller's thread, the servers when it runs as the worker.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { Webhook } from 'standardwebhooks';
import { serveCommands, startServed } from './ipc';

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
  dup: number;
  verified: number;
  unverified: number;
  raw: number;
  connections: number;
  requests: number;
}

/** One receiver per delay (ms before it answers 200), in a worker thread. */
export async function startWebhookReceivers(delays: readonly number[]) {
  const worker = await startServed(fileURLToPath(import.meta.url), { thread: true });
  return {
    urls: await worker.ask<string[]>('start', [...delays]),
    setSecrets: (secrets: readonly string[]) => worker.ask<void>('secrets', [...secrets]),
    counts: () => worker.ask<ReceiverCounts[]>('counts'),
    /** What arrived since the last collect (and resets the counters). */
    collect: () => worker.ask<Collected[]>('collect'),
    async close(): Promise<void> {
      await worker.ask('close');
      await worker.close();
    },
  };
}
export type WebhookReceivers = Awaited<ReturnType<typeof startWebhookReceivers>>;

interface Receiver {
  server: Server;
  webhook?: Webhook;
  pending: number;
  ids: Set<string>;
  seen: Collected;
}

const receivers: Receiver[] = [];
const wallMs = () => performance.timeOrigin + performance.now();
const emptySeen = (): Collected => ({
  ...{ changeIds: [], at: [], dup: 0 },
  ...{ verified: 0, unverified: 0, raw: 0, connections: 0, requests: 0 },
});

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

async function startReceiver(delayMs: number): Promise<string> {
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
  const r: Receiver = { server, pending: 0, ids: new Set(), seen: emptySeen() };
  server.on('connection', () => r.seen.connections++);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receivers.push(r);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

if (!isMainThread)
  serveCommands({
    start: async (delays: number[]) => {
      const urls: string[] = [];
      for (const delay of delays) urls.push(await startReceiver(delay));
      return urls;
    },
    secrets: (secrets: string[]) =>
      secrets.forEach((s, i) => {
        receivers[i]!.webhook = new Webhook(s);
      }),
    counts: () => receivers.map((r) => ({ signed: r.seen.at.length, raw: r.seen.raw, pending: r.pending })),
    collect: () => {
      const out = receivers.map((r) => r.seen);
      for (const r of receivers) [r.seen, r.ids] = [emptySeen(), new Set()];
      return out;
    },
    close: () => {
      for (const r of receivers) {
        r.server.closeAllConnections();
        r.server.close();
      }
    },
  });
