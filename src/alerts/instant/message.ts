import type { InstantAlertModel } from '../../db/instant-model';
import type { EmailMessage } from '../../email/transport';
import { messagesFor } from '../../i18n';
import { listUnsubscribeHeaders } from '../../subscribers/links';
import { renderInstantEmail } from '../../templates/instant-email';

/** The email of a recorded instant alert: a pure function of its model, so a resend is the same bytes. */
export function instantMessage(model: InstantAlertModel): EmailMessage {
  const rendered = renderInstantEmail(model);
  return {
    to: model.recipient.email,
    subject: rendered.subject,
    // The outer subject of an encrypted alert, in the reader's language.
    neutralSubject: messagesFor(model.language ?? 'en').email.instant.neutralSubject,
    html: rendered.html,
    text: rendered.text,
    headers: listUnsubscribeHeaders(model.links.unsubscribe),
  };
}
