import { generateKeyPairSync } from 'node:crypto';
/**
 * What one webhook delivery costs outside the database, one at a time to a healthy receiver:
 * opening the secret, signing, the SSRF check, unsigned fetch POSTs (kept alive, new connection)
 * and `sendToEndpoint` without and with the connection cache. Used by the webhooks bench.
 */
import { nodeWebhookClient, openPinnedConnections } from '../src/alerts/webhooks/http/node-client';
import { pinnedAgent } from '../src/alerts/webhooks/http/node-pinned-agent';
import { checkWebhookUrl } from '../src/alerts/webhooks/http/safe-url';
import { firstSecret, signingSecrets } from '../src/alerts/webhooks/secrets';
import { sendToEndpoint } from '../src/alerts/webhooks/send';
import { signingKey, webhookHeaders } from '../src/alerts/webhooks/sign';
import { systemClock } from '../src/clock';
import { parseConfig } from '../src/config';
import type { EndpointRow } from '../src/db/webhook-endpoints';
import type { WebhookReceivers } from './webhook-receivers';

const now = () => performance.now();
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

const COST_N = 300;

export interface Cost {
  rows: [string, string][];
  /** ms per operation by key */
  ms: Record<'keepAlive' | 'newAgent' | 'send' | 'cached', number>;
}

export async function perRequestCost(
  receivers: WebhookReceivers,
  body: string,
  dataDir: string,
  appSecret: string,
  endpoints: number,
): Promise<Cost> {
  const { secret, secrets } = firstSecret(appSecret);
  await receivers.setSecrets(Array.from({ length: endpoints }, () => secret));
  const target = receivers.urls[0]!;
  const config = parseConfig({ NODE_ENV: 'test', WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const sendDeps = { config, appSecret: appSecret, clock: systemClock, webhookHttp: nodeWebhookClient };
  const at = new Date();
  const endpoint: EndpointRow = {
    id: 'ep_cost',
    url: target,
    description: null,
    types: [],
    countries: [],
    categories: [],
    enabled: true,
    secrets,
    failing_since: null,
    disabled_reason: null,
    created_at: at,
    updated_at: at,
    integrator_id: null,
    signature_schemes: ['v1'],
    rate_limit: null,
  };
  const rows: [string, string][] = [];
  const ms = { keepAlive: Number.NaN, newAgent: Number.NaN, send: Number.NaN, cached: Number.NaN };
  const time = async (label: string, n: number, step: (i: number) => unknown, unit: 'ms' | 'µs', key?: keyof typeof ms) => {
    for (let i = 0; i < Math.min(20, n); i++) await step(i); // warm
    const t = now();
    for (let i = 0; i < n; i++) await step(i);
    const per = (now() - t) / n;
    if (key) ms[key] = per;
    rows.push([label, unit === 'ms' ? `${per.toFixed(2)} ms` : `${fmtInt(per * 1000)} µs`]);
  };
  await time('CPU: open the endpoint secret (HKDF + AES-GCM, `signingSecrets`)', 2_000, () => signingSecrets(appSecret, secrets, at), 'µs');
  await time(
    'CPU: sign (`webhookHeaders`, HMAC-SHA256 over ~2 KB, secret as `whsec_` text)',
    2_000,
    (i) => webhookHeaders({ secrets: [secret], id: `msg_${i}`, timestamp: at, body }),
    'µs',
  );
  const key = signingKey(secret);
  await time(
    'CPU: sign with a prepared key (as `dispatchDue` does: `signingKey` once per endpoint per pass)',
    2_000,
    (i) => webhookHeaders({ secrets: [key], id: `msg_${i}`, timestamp: at, body }),
    'µs',
  );
  const ed25519 = generateKeyPairSync('ed25519').privateKey;
  await time(
    'CPU: sign `v1a` as well (Ed25519 with the service key beside HMAC with the prepared key: an endpoint on `["v1", "v1a"]`)',
    2_000,
    (i) => webhookHeaders({ secrets: [key], asymmetricKeys: [ed25519], id: `msg_${i}`, timestamp: at, body }),
    'µs',
  );
  await time(
    'SSRF check of an IP-literal URL (`checkWebhookUrl`)',
    2_000,
    () => checkWebhookUrl(target, { allowPrivateNetworks: true }),
    'µs',
  );
  const post = async (init: RequestInit & { dispatcher?: unknown }) => {
    const response = await fetch(target, { method: 'POST', body, ...init } as RequestInit);
    await response.arrayBuffer();
  };
  await time(
    'unsigned fetch POST, keep-alive (global agent), one at a time',
    COST_N,
    () => post({ headers: { 'content-type': 'application/json', 'x-bench-raw': '1' } }),
    'ms',
    'keepAlive',
  );
  await time(
    'unsigned fetch POST through a new pinned Agent per request (new TCP connection each), one at a time',
    COST_N,
    async () => {
      const dispatcher = pinnedAgent(['127.0.0.1']);
      try {
        await post({ headers: { 'content-type': 'application/json', 'x-bench-raw': '1' }, dispatcher });
      } finally {
        await dispatcher.close();
      }
    },
    'ms',
    'newAgent',
  );
  let failures = 0;
  await time(
    '`sendToEndpoint` without a connection cache (check + open secret + sign + new pinned Agent + POST + excerpt), one at a time',
    COST_N,
    async (i) => {
      const r = await sendToEndpoint(sendDeps, endpoint, { id: `msg_cost_${i}`, body });
      if (r.statusCode !== 200) failures++;
    },
    'ms',
    'send',
  );
  const cache = openPinnedConnections();
  try {
    await time(
      '`sendToEndpoint` with a connection cache (as `dispatchDue` calls it: kept-alive pinned Agent), one at a time',
      COST_N,
      async (i) => {
        const r = await sendToEndpoint(sendDeps, endpoint, { id: `msg_cost_cached_${i}`, body }, cache);
        if (r.statusCode !== 200) failures++;
      },
      'ms',
      'cached',
    );
  } finally {
    await cache.close();
  }
  const got = await receivers.collect();
  if (failures > 0 || got[0]!.unverified > 0)
    throw new Error(`per-request cost: ${failures} sends failed, ${got[0]!.unverified} not verified`);
  rows.push(['(connections the receiver saw for these POSTs)', `${fmtInt(got[0]!.connections)} for ${fmtInt(got[0]!.requests)} requests`]);
  return { rows, ms };
}
