import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  type: string;
  body: Record<string, unknown>;
  verified: boolean;
  at: number;
  /** The status this request was answered. */
  status: number;
}

/**
 * A webhook consumer on 127.0.0.1 that verifies every request with the public
 * `standardwebhooks` package, records it, and answers what the test scripts
 * (a status sequence, then `status()` for each further request, a delay).
 */
export async function startReceiver(
  options: { secret?: string; delayMs?: number; statuses?: number[]; status?: () => number; headers?: Record<string, string> } = {},
) {
  const received: Received[] = [];
  let secret = options.secret;
  const statuses = [...(options.statuses ?? [])];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let verified = false;
      try {
        if (secret) new Webhook(secret).verify(body, headers);
        verified = !!secret;
      } catch {
        verified = false;
      }
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const status = statuses.length ? statuses.shift()! : (options.status?.() ?? 200);
      received.push({ id: headers['webhook-id'] ?? '', type: String(parsed.type), body: parsed, verified, at: Date.now(), status });
      setTimeout(() => res.writeHead(status, options.headers ?? {}).end('ok'), options.delayMs ?? 0);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    setSecret: (value: string) => {
      secret = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
