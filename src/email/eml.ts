import MailComposer from 'nodemailer/lib/mail-composer';
import type { EmailMessage } from './transport';

/**
 * An RFC 5322 message (multipart/alternative: text then html, quoted-printable bodies,
 * RFC 2047 encoded non-ASCII headers, CRLF line ends) built by nodemailer's MailComposer.
 * Given the same inputs it builds the same bytes: the boundary derives from `messageId`.
 */
export async function buildEml(message: EmailMessage & { from: string }, envelope: { messageId: string; date: Date }): Promise<Buffer> {
  const tags = message.tags?.map((tag) => `${tag.name}=${tag.value}`).join(', ');
  const composer = new MailComposer({
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: { ...message.headers, ...(tags && { 'X-Tags': tags }) },
    messageId: envelope.messageId,
    date: envelope.date,
    baseBoundary: envelope.messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 24),
    newline: 'windows',
    // The bodies are ours, but nothing in them may make the composer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
