// The SSRF guard for webhook URLs: checked at registration and again before every delivery
// (safe-post.ts). On Node the request then goes through an agent pinned to result.addresses, so a
// DNS answer that changes in between (rebinding) is never used; on Workers, see workers-client.ts.
import { lookup } from 'node:dns/promises';
import { isIpAddressText, judgeAddress } from './address-policy';
import type { ResolveHost } from './contract';

export interface WebhookUrlPolicy {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: http, loopback and private networks allowed (never link-local metadata). */
  allowPrivateNetworks: boolean;
  /** WEBHOOK_ALLOWED_PORTS: ports a public address may use besides 443 (and 80, where http is allowed). */
  allowedPorts?: readonly number[];
  /** Every A and AAAA address of a host name; tests inject one, production uses the system resolver. */
  resolve?: ResolveHost;
}

export type WebhookUrlRefusal = 'invalid-url' | 'scheme' | 'credentials' | 'port' | 'unresolvable' | 'blocked-address';

export type WebhookUrlCheck = { ok: true; url: URL; addresses: string[] } | { ok: false; code: WebhookUrlRefusal; reason: string };

export const resolveWithSystemDns: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true, order: 'verbatim' })).map((entry) => entry.address);

export async function checkWebhookUrl(input: string | URL, policy: WebhookUrlPolicy): Promise<WebhookUrlCheck> {
  let url: URL;
  try {
    // The WHATWG parser already rewrites 2130706433, 0x7f000001, 017700000001 and 127.1 to 127.0.0.1.
    url = new URL(input);
  } catch {
    return { ok: false, code: 'invalid-url', reason: 'the webhook URL is not a valid absolute URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivateNetworks)) {
    const allowed = policy.allowPrivateNetworks ? 'http or https' : 'https';
    return { ok: false, code: 'scheme', reason: `the webhook URL must use ${allowed}, not ${url.protocol.replace(/:$/, '')}` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, code: 'credentials', reason: 'the webhook URL must not contain a user name or password' };
  }

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIpAddressText(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await (policy.resolve ?? resolveWithSystemDns)(host);
    } catch {
      return { ok: false, code: 'unresolvable', reason: `the webhook host ${host} does not resolve` };
    }
    if (addresses.length === 0) return { ok: false, code: 'unresolvable', reason: `the webhook host ${host} has no address` };
  }

  // Every address must pass: the connection may go to any of them.
  const checked: string[] = [];
  for (const address of addresses) {
    const verdict = judgeAddress(address, policy);
    if (!verdict.allowed) {
      const via = verdict.address === host ? '' : ` (${host} resolves to ${verdict.address})`;
      return { ok: false, code: 'blocked-address', reason: `the webhook URL points to a ${verdict.range} address${via}` };
    }
    if (!checked.includes(verdict.address)) checked.push(verdict.address);
    if (verdict.isPublic && !portAllowed(url, policy)) {
      const allowed = [443, ...(policy.allowPrivateNetworks ? [80] : []), ...(policy.allowedPorts ?? [])].join(', ');
      return {
        ok: false,
        code: 'port',
        reason: `the webhook URL's port ${effectivePort(url)} is not allowed on a public address (allowed: ${allowed}; WEBHOOK_ALLOWED_PORTS adds more)`,
      };
    }
  }
  return { ok: true, url, addresses: checked };
}

const effectivePort = (url: URL): number => (url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port));

/**
 * A public host is reached on the web's ports only (443, and 80 where plain http is allowed),
 * or one the operator allowed: anything else (6379, 25, 22...) is a way to talk to other services.
 */
function portAllowed(url: URL, policy: WebhookUrlPolicy): boolean {
  const port = effectivePort(url);
  return port === 443 || (port === 80 && url.protocol === 'http:') || (policy.allowedPorts ?? []).includes(port);
}
