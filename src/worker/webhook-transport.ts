import { promises as dns } from 'node:dns';
import { postWithFetch } from '../alerts/webhooks/fetch-post';
import type { WebhookTransport } from '../alerts/webhooks/transport';

/**
 * Workers: host names resolve over DNS over HTTPS (workerd's node:dns has resolve4/resolve6 but
 * not lookup), and requests go through Cloudflare's fetch, which cannot be pinned to addresses.
 * Deployed, that fetch leaves from Cloudflare's network to the public Internet: it cannot reach
 * the Worker's own loopback or a private network, so a DNS answer that changes after the check
 * (rebinding) cannot lead a delivery inside one. The SSRF check itself runs as on Node.
 */
export const workerWebhookTransport: WebhookTransport = {
  async resolve(hostname) {
    const answers = await Promise.allSettled([dns.resolve4(hostname), dns.resolve6(hostname)]);
    const addresses = answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
    if (addresses.length === 0 && answers.every((answer) => answer.status === 'rejected')) {
      throw new Error(`${hostname} does not resolve`);
    }
    return addresses;
  },
  openConnections: () => ({ post: postWithFetch, close: async () => undefined }),
};
