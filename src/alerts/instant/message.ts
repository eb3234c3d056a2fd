import type { InstantAlertModel } from '../../db/instant-model';
import { DEFAULT_NEUTRAL_SUBJECT, type EmailMessage } from '../../email/transport';
import { listUnsubscribeHeaders } from '../../subscribers/links';
import { renderInstantEmail } from '../../templates/instant-email';

/** The email of a recorded instant alert: a pure function of its model, so a resend is the same bytes. */
export function instantMessage(model: InstantAlertModel): EmailMessage {
  const rendered = renderInstantEmail(model);
  return {
    to: model.recipient.email,
    subject: rendered.subject,
    neutralSubject: DEFAULT_NEUTRAL_SUBJECT,
    html: rendered.html,
    text: rendered.text,
    headers: listUnsubscribeHeaders(model.links.unsubscribe),
  };
}
