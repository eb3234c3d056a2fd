import MimeNode from 'nodemailer/lib/mime-node';
import { createMessage, encrypt, type PublicKey, readKey } from 'openpgp';
import { buildEml } from './eml';
import { DEFAULT_NEUTRAL_SUBJECT, type EmailMessage } from './transport';

const CRLF = '\r\n';

/** Parsed keys by their armoured text: a digest run encrypts to the same few thousand keys, each parsed once. */
const parsedKeys = new Map<string, Promise<PublicKey>>();
const MAX_PARSED_KEYS = 10_000;

function parsedKey(armoredKey: string): Promise<PublicKey> {
  let key = parsedKeys.get(armoredKey);
  if (!key) {
    if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.delete(parsedKeys.keys().next().value!);
    key = readKey({ armoredKey }).then((k) => k.toPublic());
    key.catch(() => parsedKeys.delete(armoredKey));
    parsedKeys.set(armoredKey, key);
  }
  return key;
}

/**
 * The message as PGP/MIME (RFC 3156), encrypted to `armoredKey` as of `envelope.date`. The
 * whole message (text, HTML, and the real From, To, Subject, Date and Message-ID as protected
 * headers, RFC 9788) is inside; outside are only what delivery needs, a neutral subject, and the
 * List-Unsubscribe headers (RFC 8058), so one-click unsubscribe works without decrypting.
 * Throws when the key cannot encrypt (expired or revoked since): never sent in clear instead.
 */
export async function buildEncryptedEml(
  message: EmailMessage & { from: string; encryptTo: string },
  envelope: { messageId: string; date: Date },
): Promise<Buffer> {
  const { headers, tags: _, ...content } = message;
  const inner = buildEml({ ...content }, envelope, { protectedHeaders: true });
  const encrypted = await encrypt({
    message: await createMessage({ binary: inner }),
    encryptionKeys: await parsedKey(message.encryptTo),
    date: envelope.date,
    format: 'armored',
  });
  const baseBoundary = envelope.messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 24);
  const boundary = `--_NmP-${baseBoundary}-Enc_1`;
  const root = new MimeNode(`multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${boundary}"`, {
    baseBoundary,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const outside = Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => /^list-unsubscribe(-post)?$/i.test(name)));
  root.setHeader(outside);
  root.setHeader('From', message.from);
  root.setHeader('To', message.to);
  root.setHeader('Subject', message.neutralSubject ?? DEFAULT_NEUTRAL_SUBJECT);
  root.setHeader('Message-ID', envelope.messageId);
  root.setHeader('Date', envelope.date.toUTCString().replace(/GMT/, '+0000'));
  root.setHeader('MIME-Version', '1.0');
  const delimiter = `--${boundary}`;
  return Buffer.from(
    [
      root.buildHeaders(),
      '',
      'This is an OpenPGP/MIME encrypted message (RFC 3156 and RFC 9788).',
      delimiter,
      'Content-Type: application/pgp-encrypted',
      'Content-Description: PGP/MIME version identification',
      '',
      'Version: 1',
      '',
      delimiter,
      'Content-Type: application/octet-stream; name="encrypted.asc"',
      'Content-Description: OpenPGP encrypted message',
      'Content-Disposition: inline; filename="encrypted.asc"',
      '',
      String(encrypted).replace(/\r?\n/g, CRLF).trimEnd(),
      '',
      `${delimiter}--`,
      '',
    ].join(CRLF),
    'utf8',
  );
}
