import type { SubscriberRow } from '../db/subscribers';
import type { Deps } from '../deps';
import { categories } from '../taxonomy/categories';
import { findCountry } from '../taxonomy/countries';
import { renderConfirmEmail } from '../templates/confirm-email';
import { renderManageEmail } from '../templates/manage-email';
import type { AlertChoices } from '../templates/models';
import { listUnsubscribeHeaders, subscriberLinks } from './links';
import type { SignupNotice } from './subscribe';

/** A subscriber's stored choices as names a reader understands. */
export function choicesOf(subscriber: Pick<SubscriberRow, 'countries' | 'regions' | 'categories' | 'frequency'>): AlertChoices {
  return {
    countries: subscriber.countries.map((id) => findCountry(id)?.name ?? id),
    regions: subscriber.regions,
    categories: subscriber.categories.map((id) => categories.find((c) => c.id === id)?.name ?? id),
    frequency: subscriber.frequency,
  };
}

/** The confirmation or "manage your alerts" email of a sign-up. */
export async function sendSignupNotice(deps: Deps, { kind, subscriber }: SignupNotice): Promise<void> {
  const links = subscriberLinks(deps, subscriber);
  const unsubscribe = links.unsubscribe();
  const email =
    kind === 'confirm'
      ? renderConfirmEmail({
          recipient: { email: subscriber.email },
          choices: choicesOf(subscriber),
          expiresInDays: 7,
          links: { confirm: links.confirm(), site: links.site() },
        })
      : renderManageEmail({
          recipient: { email: subscriber.email },
          choices: choicesOf(subscriber),
          links: { manage: links.manage(), unsubscribe, site: links.site() },
        });
  const sentAt = deps.clock.now().getTime();
  await deps.mailer.send(
    { to: subscriber.email, subject: email.subject, html: email.html, text: email.text, headers: listUnsubscribeHeaders(unsubscribe) },
    { idempotencyKey: `signup-${kind}-${subscriber.id}-${sentAt}` },
  );
  deps.log.info({ subscriber: subscriber.id, kind }, 'sign-up notice sent');
}
