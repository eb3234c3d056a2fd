import { mkdtemp, readdir, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../src/clock';
import { createMailer } from '../src/email/create-mailer';
import { createOutboxMailer } from '../src/email/outbox';
import { type EmailMessage, PermanentEmailError } from '../src/email/transport';

const FROM = 'Tracker Alerts <alerts@localhost>';

const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  to: 'ana@example.net',
  subject: 'Confirm your alerts',
  html: '<p>Please <a href="https://alerts.example.org/confirm?token=abc">confirm</a>.</p>',
  text: 'Please confirm: https://alerts.example.org/confirm?token=abc',
  headers: {
    'List-Unsubscribe': '<https://alerts.example.org/unsubscribe?token=xyz>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  ...overrides,
});

let dataDir: string;
const clock = fixedClock('2025-02-01T09:00:00.000Z');
const outbox = () => createOutboxMailer({ dataDir, defaultFrom: FROM, clock });
const emlFiles = async () => (await readdir(join(dataDir, 'outbox'))).filter((name) => name.endsWith('.eml')).sort();
const parse = async (file: string) => PostalMime.parse(await readFile(join(dataDir, 'outbox', file)));

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'outbox-test-'));
  clock.set('2025-02-01T09:00:00.000Z');
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the outbox transport', () => {
  it('is what createMailer picks without RESEND_API_KEY, in DATA_DIR/outbox', () => {
    const mailer = createMailer({ config: { resend: undefined, emailFrom: FROM, dataDir }, clock });
    expect(mailer.kind).toBe('outbox');
    expect(mailer.dir).toBe(join(dataDir, 'outbox'));
  });

  it('writes an .eml a mail client opens: both alternatives, the unsubscribe headers, sender, recipient and date', async () => {
    const { id } = await outbox().send(message(), { idempotencyKey: 'confirm/1/1' });

    const files = await emlFiles();
    expect(files).toEqual([`${id}.eml`]);
    expect(id).toMatch(/^2025-02-01T09-00-00-000Z-confirm-your-alerts-[0-9a-f]{12}$/);
    const parsed = await parse(files[0]!);
    expect(parsed.from).toMatchObject({ name: 'Tracker Alerts', address: 'alerts@localhost' });
    expect(parsed.to).toEqual([expect.objectContaining({ address: 'ana@example.net' })]);
    expect(parsed.subject).toBe('Confirm your alerts');
    expect(parsed.text?.trim()).toBe(message().text);
    expect(parsed.html?.trim()).toBe(message().html);
    expect(new Date(parsed.date!).toISOString()).toBe('2025-02-01T09:00:00.000Z');
    const header = (key: string) => parsed.headers.find((h) => h.key === key)?.value;
    expect(header('list-unsubscribe')).toBe('<https://alerts.example.org/unsubscribe?token=xyz>');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(header('content-type')).toMatch(/^multipart\/alternative/);
  });

  it('names files so the folder sorts by the time they were sent', async () => {
    const mailer = outbox();
    await mailer.send(message({ subject: 'Zebra' }), { idempotencyKey: 'k1' });
    clock.advance(1_500);
    await mailer.send(message({ subject: 'Apple' }), { idempotencyKey: 'k2' });
    clock.advance(60_000);
    await mailer.send(message({ subject: 'Mango' }), { idempotencyKey: 'k3' });

    const subjects = await Promise.all((await emlFiles()).map(async (file) => (await parse(file)).subject));
    expect(subjects).toEqual(['Zebra', 'Apple', 'Mango']);
  });

  it('the same idempotency key twice writes one file and answers the same id, even later', async () => {
    const mailer = outbox();
    const first = await mailer.send(message(), { idempotencyKey: 'confirm/7/1' });
    clock.advance(3_600_000);
    const second = await createOutboxMailer({ dataDir, defaultFrom: FROM, clock }).send(message(), { idempotencyKey: 'confirm/7/1' });

    expect(second.id).toBe(first.id);
    expect(await emlFiles()).toHaveLength(1);
  });

  it('concurrent sends with one key write one file', async () => {
    const mailer = outbox();
    const results = await Promise.all(Array.from({ length: 8 }, () => mailer.send(message(), { idempotencyKey: 'race' })));
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(await emlFiles()).toHaveLength(1);
    expect((await readdir(join(dataDir, 'outbox'))).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });

  it("the same key with another payload is refused like Resend's 409, and nothing new is written", async () => {
    const mailer = outbox();
    await mailer.send(message(), { idempotencyKey: 'reused' });
    const error = await mailer.send(message({ subject: 'Something else' }), { idempotencyKey: 'reused' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentEmailError);
    expect(error).toMatchObject({ code: 'invalid_idempotent_request', status: 409 });
    expect(await emlFiles()).toHaveLength(1);
  });

  it('a batch writes one file per message, once, ids in message order', async () => {
    const mailer = outbox();
    const messages = ['a', 'b', 'c'].map((name) => message({ to: `${name}@example.net`, subject: `Digest for ${name}` }));
    const first = await mailer.sendBatch(messages, { idempotencyKey: 'digest/2025-02/1' });
    const again = await mailer.sendBatch(messages, { idempotencyKey: 'digest/2025-02/1' });

    expect(again.ids).toEqual(first.ids);
    expect(await emlFiles()).toEqual(first.ids.map((id) => `${id}.eml`).sort());
    const recipients = await Promise.all(first.ids.map(async (id) => (await parse(`${id}.eml`)).to?.[0]?.address));
    expect(recipients).toEqual(['a@example.net', 'b@example.net', 'c@example.net']);
  });

  it('a crash after the key was claimed but before the file landed is repaired by the retry, byte for byte', async () => {
    const mailer = outbox();
    const { id } = await mailer.send(message(), { idempotencyKey: 'crash' });
    const path = join(dataDir, 'outbox', `${id}.eml`);
    const original = await readFile(path);
    await unlink(path);
    clock.advance(10_000);

    const retried = await mailer.send(message(), { idempotencyKey: 'crash' });
    expect(retried.id).toBe(id);
    expect(await readFile(path)).toEqual(original);
  });

  it('a crash that cut the .eml short after the key was claimed is repaired by the retry, byte for byte', async () => {
    const mailer = outbox();
    const { id } = await mailer.send(message(), { idempotencyKey: 'cut' });
    const path = join(dataDir, 'outbox', `${id}.eml`);
    const original = await readFile(path);
    await writeFile(path, original.subarray(0, 40));

    expect((await createOutboxMailer({ dataDir, defaultFrom: FROM, clock }).send(message(), { idempotencyKey: 'cut' })).id).toBe(id);
    expect(await readFile(path)).toEqual(original);
  });

  it('a key record left empty by a writer that died is taken over once it is stale, and the message written', async () => {
    const mailer = outbox();
    await mailer.send(message({ subject: 'first' }), { idempotencyKey: 'warm-up' }); // makes the folders
    const keys = join(dataDir, 'outbox', '.keys');
    // The record name the key "died" maps to: send once elsewhere to learn it.
    const probeDir = await mkdtemp(join(tmpdir(), 'outbox-probe-'));
    await createOutboxMailer({ dataDir: probeDir, defaultFrom: FROM, clock }).send(message(), { idempotencyKey: 'died' });
    const [recordName] = await readdir(join(probeDir, 'outbox', '.keys'));
    await rm(probeDir, { recursive: true, force: true });
    const record = join(keys, recordName!);
    await writeFile(record, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(record, old, old);

    const { id } = await mailer.send(message(), { idempotencyKey: 'died' });
    expect(await emlFiles()).toContain(`${id}.eml`);
    expect(JSON.parse(await readFile(record, 'utf8'))).toMatchObject({ files: [`${id}.eml`] });
  });

  it('non-ASCII subject, bodies and address survive; only the address is raw UTF-8 (RFC 6532), the rest 7-bit', async () => {
    const subject = 'Қазақстан: сатирик қамауға алынды — «Résumé» 🗳️';
    const text = 'Полиция рейд жүргізді. Ünïcödé, 中文, emoji 🇰🇿.\nSecond line';
    const html = '<p>Полиция рейд жүргізді. Ünïcödé, 中文, emoji 🇰🇿.</p>';
    const { id } = await outbox().send(message({ subject, text, html, to: 'ана@пример.рф' }), { idempotencyKey: 'utf8' });

    const raw = await readFile(join(dataDir, 'outbox', `${id}.eml`));
    const nonAsciiLines = raw
      .toString('utf8')
      .split('\r\n')
      .filter((line) => /[^\x00-\x7f]/.test(line));
    expect(nonAsciiLines).toEqual(['To: ана@пример.рф']);
    const parsed = await parse(`${id}.eml`);
    expect(parsed.to?.[0]?.address).toBe('ана@пример.рф');
    expect(parsed.subject).toBe(subject);
    expect(parsed.text?.trim()).toBe(text);
    expect(parsed.html?.trim()).toBe(html);
  });

  it('refuses an implausible recipient before writing anything', async () => {
    await expect(outbox().send(message({ to: 'not an address' }), { idempotencyKey: 'bad' })).rejects.toMatchObject({
      code: 'invalid_recipient',
    });
    await expect(emlFiles()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
