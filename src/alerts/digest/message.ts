import type { EmailMessage } from '../../email/transport';
import { listUnsubscribeHeaders } from '../../subscribers/links';
import { renderDigestEmail } from '../../templates/digest-email';
import { neutralDigestSubject } from '../../templates/digest-view';
import type { DigestModel } from '../../templates/models';

/** The email of a composed digest: a pure function of its model, so a retry sends the same bytes. */
export function digestMessage(model: DigestModel): EmailMessage {
  const rendered = renderDigestEmail(model);
  return {
    to: model.recipient.email,
    subject: rendered.subject,
    neutralSubject: neutralDigestSubject(model.recipient.choices.frequency, model.language ?? 'en'),
    html: rendered.html,
    text: rendered.text,
    headers: listUnsubscribeHeaders(model.links.unsubscribe),
  };
}
