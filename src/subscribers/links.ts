import type { Deps } from '../deps';
import type { SubscriberRow } from '../db/subscribers';

type LinkDeps = Pick<Deps, 'config' | 'tokens'>;

/** Absolute links with signed tokens, bound to the subscriber and their token version. */
export function subscriberLinks(deps: LinkDeps, subscriber: Pick<SubscriberRow, 'id' | 'token_version'>) {
  const claims = { subscriberId: subscriber.id, version: subscriber.token_version };
  const link = (path: string, token: string) => `${deps.config.publicBaseUrl}${path}?token=${encodeURIComponent(token)}`;
  return {
    confirm: () => link('/confirm', deps.tokens.sign('confirm', claims)),
    manage: () => link('/preferences', deps.tokens.sign('manage', claims)),
    unsubscribe: () => link('/unsubscribe', deps.tokens.sign('unsubscribe', claims)),
    site: () => `${deps.config.publicBaseUrl}/`,
  };
}

/** RFC 8058 headers every email carries: one-click unsubscribe by POST to the link. */
export function listUnsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
