import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock';
import { createMailer, encryptedThrough } from '../src/email/create-mailer';
import { type Mailer, PermanentEmailError } from '../src/email/transport';
import { type GnupgHome, gnupgHome } from '../testkit/gnupg';

/** A local SMTP relay (smtp-server) that keeps what it is given, or refuses an address with a 550. */
let server: SMTPServer;
let url: string;
const received: { from: string; to: string[]; raw: string }[] = [];
/** Connections the relay saw open, and those that closed since. */
const connections = { opened: 0, closed: 0 };
let gpg: GnupgHome;
const mailers: { close?(): Promise<void> }[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    onConnect(_session, callback) {
      connections.opened += 1;
      callback();
    },
    onClose() {
      connections.closed += 1;
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('refused')) return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  gpg = gnupgHome();
});
afterAll(async () => {
  await Promise.all(mailers.map((m) => m.close?.()));
  gpg?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// A second ahead of real time, always: a message is never dated before the key it is encrypted to, made during the test.
const clock: Clock = { now: () => new Date(Date.now() + 1000) };
const mailerFor = (query = '') => {
  const mailer = createMailer({
    config: { resend: undefined, emailFrom: 'Alerts <alerts@example.org>', dataDir: '/nonexistent', smtpUrl: `${url}${query}` },
    clock,
  });
  mailers.push(mailer);
  return mailer;
};
const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return done();
};
const message = (to: string, extra: object = {}) => ({
  to,
  subject: 'Kazakhstan: 3 reports on Rights',
  html: '<p>Satirist arrested</p>',
  text: 'Satirist arrested',
  headers: {
    'List-Unsubscribe': '<https://alerts.example.org/unsubscribe?token=x>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  ...extra,
});

describe('the SMTP transport (SMTP_URL, nodemailer)', () => {
  it('relays plain messages and PGP/MIME ones as raw bytes, which GnuPG decrypts', async () => {
    const key = gpg.generate('smtp-reader@example.org');
    const mailer = mailerFor();
    expect(mailer.kind).toBe('smtp');
    expect(mailer.canEncrypt).toBe(true);
    const { ids } = await mailer.sendBatch(
      [
        message('plain@example.org'),
        message('smtp-reader@example.org', { encryptTo: key.publicKey, neutralSubject: 'Your monthly update' }),
      ],
      { idempotencyKey: 'smtp-batch-1' },
    );
    expect(ids).toHaveLength(2);
    const plain = received.find((r) => r.to[0] === 'plain@example.org')!;
    expect((await PostalMime.parse(plain.raw)).subject).toBe('Kazakhstan: 3 reports on Rights');
    const sealed = received.find((r) => r.to[0] === 'smtp-reader@example.org')!;
    expect(sealed.from).toBe('alerts@example.org');
    expect(sealed.raw).toMatch(/^Content-Type: multipart\/encrypted; protocol="application\/pgp-encrypted"/m);
    expect(sealed.raw).toMatch(/^Subject: Your monthly update\r?$/m);
    expect(sealed.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    expect(sealed.raw).not.toContain('Kazakhstan');
    const inner = await PostalMime.parse(gpg.decryptEmail(sealed.raw));
    expect(inner.subject).toBe('Kazakhstan: 3 reports on Rights');
    expect(inner.text).toContain('Satirist arrested');

    // The same batch again under its key: nothing is relayed twice by this process.
    const before = received.length;
    await mailer.sendBatch(
      [
        message('plain@example.org'),
        message('smtp-reader@example.org', { encryptTo: key.publicKey, neutralSubject: 'Your monthly update' }),
      ],
      { idempotencyKey: 'smtp-batch-1' },
    );
    expect(received.length).toBe(before);
  });

  it('names the message the relay refused for good (a 550) as a PermanentEmailError, and never sends an encrypted one in clear when its key cannot encrypt', async () => {
    const mailer = mailerFor();
    const refused = await mailer
      .sendBatch([message('ok@example.org'), message('refused@example.org')], { idempotencyKey: 'smtp-batch-2' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentEmailError);
    expect(refused).toMatchObject({ messageIndex: 1, status: 550, sentIndexes: [0] });

    const before = received.length;
    const broken = await mailer
      .send(message('x@example.org', { encryptTo: 'not a key' }), { idempotencyKey: 'smtp-broken' })
      .catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(Error);
    expect(received.length).toBe(before);
  });

  it("beside a strict plain transport, a refusal of the plain part names the encrypted part as sent, by the caller's indexes", async () => {
    const key = gpg.generate('split-reader@example.org');
    const strict: Mailer = {
      kind: 'resend',
      send: () => Promise.reject(new Error('not used')),
      sendBatch: () => Promise.reject(new PermanentEmailError('validation_error', 'refused', 422, 1)),
    };
    const split = encryptedThrough(mailerFor(), strict);
    const refused = await split
      .sendBatch(
        [
          message('split-plain-0@example.org'),
          message('split-reader@example.org', { encryptTo: key.publicKey }),
          message('split-plain-2@example.org'),
        ],
        { idempotencyKey: 'smtp-split-1' },
      )
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ messageIndex: 2, sentIndexes: [1] });
    expect(received.filter((r) => r.to[0] === 'split-reader@example.org')).toHaveLength(1);
  });

  it('keeps its connections open between messages and batches (a pool, at most ?maxConnections= at once), and close() ends them', async () => {
    const mailer = mailerFor('?maxConnections=2');
    const before = { ...connections, received: received.length };
    const batch = (key: string, n: number) =>
      mailer.sendBatch(
        Array.from({ length: n }, (_, i) => message(`pool-${key}-${i}@example.org`)),
        { idempotencyKey: key },
      );
    await batch('smtp-pool-1', 5);
    await batch('smtp-pool-2', 5);
    expect(connections.opened - before.opened).toBe(1);
    // Three batches at once share the two connections the query allows.
    await Promise.all([batch('smtp-pool-3', 4), batch('smtp-pool-4', 4), batch('smtp-pool-5', 4)]);
    expect(received.length - before.received).toBe(22);
    expect(connections.opened - before.opened).toBe(2);
    expect(connections.closed - before.closed).toBe(0);

    await mailer.close!();
    expect(await until(() => connections.closed - before.closed === 2)).toBe(true);
  });
});
