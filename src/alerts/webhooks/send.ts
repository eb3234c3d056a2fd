import type { KeyObject } from 'node:crypto';
import type { EndpointRow } from '../../db/webhook-endpoints';
import type { Resources } from '../../resources';
import type { WebhookConnections, WebhookOutcome } from './http/contract';
import { safeWebhookPost } from './http/safe-post';
import { signingSecrets } from './secrets';
import { webhookHeaders } from './sign';

export type SendDeps = Pick<Resources, 'config' | 'appSecret' | 'clock' | 'webhookHttp'>;

/**
 * One message, signed with the endpoint's secrets, POSTed to the endpoint through the webhook
 * HTTP client (http/safe-post.ts: SSRF check, no redirects, timeout, excerpt). Never throws.
 */
export function sendToEndpoint(
  deps: SendDeps,
  endpoint: EndpointRow,
  message: { id: string; body: string },
  connections?: WebhookConnections,
  /** The endpoint's signing secrets already opened, as text or prepared keys (a dispatch pass keeps them a few seconds). */
  secrets?: readonly (string | KeyObject)[],
  /** The service's live Ed25519 keys (signing-keys.ts), for an endpoint that chose `v1a`. */
  asymmetricKeys?: readonly KeyObject[],
): Promise<WebhookOutcome> {
  return safeWebhookPost(
    deps.webhookHttp,
    {
      url: endpoint.url,
      allowPrivateNetworks: deps.config.webhookAllowPrivateNetworks,
      allowedPorts: deps.config.webhookAllowedPorts,
      body: message.body,
      headers: () => {
        const now = deps.clock.now();
        const schemes = endpoint.signature_schemes;
        return webhookHeaders({
          secrets: schemes.includes('v1') ? (secrets ?? signingSecrets(deps.appSecret, endpoint.secrets, now)) : [],
          asymmetricKeys: schemes.includes('v1a') ? (asymmetricKeys ?? []) : [],
          id: message.id,
          timestamp: now,
          body: message.body,
        });
      },
    },
    connections,
  );
}
