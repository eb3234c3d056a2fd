import type { SubscriberRow } from '../db/subscribers';
import type { Resources } from '../resources';

type LinkDeps = Pick<Resources, 'config' | 'tokens'>;

/**
 * Absolute links with signed tokens, bound to the subscriber's public id and token version, issued
 * now or at `issuedAt` (an email built again for a retry must be byte for byte the same).
 */
export function subscriberLinks(deps: LinkDeps, subscriber: Pick<SubscriberRow, 'public_id' | 'token_version'>, issuedAt?: Date) {
  const claims = { publicId: subscriber.public_id, version: subscriber.token_version };
  const options = issuedAt ? { issuedAt } : {};
  const link = (path: string, token: string) => `${deps.config.publicBaseUrl}${path}?token=${encodeURIComponent(token)}`;
  return {
    confirm: () => link('/confirm', deps.tokens.sign('confirm', claims, options)),
    manage: () => link('/preferences', deps.tokens.sign('manage', claims, options)),
    unsubscribe: () => link('/unsubscribe', deps.tokens.sign('unsubscribe', claims, options)),
    /** The JSON download of everything stored about the subscriber; expires within the hour. */
    exportData: () => link('/v1/preferences/export', deps.tokens.sign('export', claims, options)),
    site: () => `${deps.config.publicBaseUrl}/`,
  };
}

/** RFC 8058 headers every email carries: one-click unsubscribe by POST to the link. */
export function listUnsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
