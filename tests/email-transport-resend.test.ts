import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock';
import { parseConfig } from '../src/config';
import { asciiJsonLiteral, asciiJsonString } from '../src/email/ascii-json';
import { createMailer } from '../src/email/create-mailer';
import { createResendMailer, type ResendMailerOptions } from '../src/email/resend';
import { type EmailMessage, PermanentEmailError, TransientEmailError } from '../src/email/transport';
import { createLogger } from '../src/log';
import { type FakeResend, startFakeResend } from '../testkit/fake-resend';

const FROM = 'Tracker Alerts <alerts@example.org>';

const message = (to: string, n = 0): EmailMessage => ({
  to,
  subject: `Your monthly alerts ${n}`,
  html: `<p>Reports for you, number ${n}</p>`,
  text: `Reports for you, number ${n}`,
  headers: {
    'List-Unsubscribe': `<https://alerts.example.org/unsubscribe?token=t${n}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  tags: [{ name: 'kind', value: 'digest' }],
});

let fake: FakeResend;
let sleeps: number[];
let logLines: string[];

function mailer(overrides: Partial<ResendMailerOptions> = {}) {
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  return createResendMailer({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    defaultFrom: FROM,
    clock: systemClock,
    log: createLogger({ level: 'debug', destination }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    attemptTimeoutMs: 2_000,
    ...overrides,
  });
}

beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  sleeps = [];
  logLines = [];
});

describe('sending through the real resend SDK', () => {
  it('is pointed at the fake by config (RESEND_BASE_URL), not by the process environment', async () => {
    expect(process.env.RESEND_BASE_URL).toBeUndefined();
    const config = parseConfig({ RESEND_API_KEY: fake.apiKey, RESEND_BASE_URL: fake.url, EMAIL_FROM: FROM });
    const configured = createMailer({ config, clock: systemClock });
    expect(configured.kind).toBe('resend');
    const { id } = await configured.send(message('ana@example.net'), { idempotencyKey: 'config-path' });
    expect(fake.deliveries().map((delivery) => delivery.id)).toEqual([id]);
  });

  it('a single send lands with html, text and headers, authorised by the key and carrying the idempotency key', async () => {
    const { id } = await mailer().send(message('ana@example.net'), { idempotencyKey: 'confirm/42/1' });

    const [request] = fake.requests();
    expect(request).toMatchObject({
      method: 'POST',
      path: '/emails',
      idempotencyKey: 'confirm/42/1',
      authorization: `Bearer ${fake.apiKey}`,
    });
    expect(fake.deliveries()).toEqual([
      expect.objectContaining({
        id,
        from: FROM,
        to: ['ana@example.net'],
        subject: 'Your monthly alerts 0',
        html: '<p>Reports for you, number 0</p>',
        text: 'Reports for you, number 0',
        headers: {
          'List-Unsubscribe': '<https://alerts.example.org/unsubscribe?token=t0>',
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
        tags: [{ name: 'kind', value: 'digest' }],
      }),
    ]);
  });

  it('a batch is one request to /emails/batch; the ids come back in the order of the messages', async () => {
    const messages = [0, 1, 2].map((n) => message(`reader${n}@example.net`, n));
    const { ids } = await mailer().sendBatch(messages, { idempotencyKey: 'digest/2025-02/batch-1' });

    expect(fake.requests()).toHaveLength(1);
    expect(fake.requests()[0]).toMatchObject({ path: '/emails/batch', idempotencyKey: 'digest/2025-02/batch-1' });
    expect(fake.requests()[0]!.headers['x-batch-validation']).toBe('strict');
    const byId = new Map(fake.deliveries().map((delivery) => [delivery.id, delivery]));
    expect(ids.map((id) => byId.get(id)?.to[0])).toEqual(['reader0@example.net', 'reader1@example.net', 'reader2@example.net']);
    expect(fake.deliveries().every((delivery) => delivery.headers['List-Unsubscribe-Post'] === 'List-Unsubscribe=One-Click')).toBe(true);
  });
});

describe('request bodies stay one-byte (non-ASCII strings go as \\u escapes)', () => {
  const tricky = 'Chișinău’s “court” — 😀 \ud800 lone, \u0000 nul, "quotes" \\ and Zürich';

  it('a string with non-ASCII characters serialises to ASCII JSON that parses back to it exactly', () => {
    const json = JSON.stringify({ text: asciiJsonString(tricky), plain: asciiJsonString('plain "ascii"') });
    expect(json).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(json)).toEqual({ text: tricky, plain: 'plain "ascii"' });
    expect(JSON.stringify(asciiJsonString(tricky))).toBe(JSON.stringify(asciiJsonString(tricky))); // the same bytes on every retry
  });

  it('any string, lone surrogates and control characters included, round-trips through its ASCII literal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const literal = asciiJsonLiteral(value);
        expect(literal).toMatch(/^"[\x20-\x7e]*"$/);
        expect(JSON.parse(literal)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('a batch whose subject, sender, HTML and text are not ASCII lands unchanged', async () => {
    const messages = [0, 1].map((n) => ({
      ...message(`reader${n}@example.net`, n),
      subject: `Résumé ${n} ’`,
      html: `<p>${tricky}</p>`,
      text: tricky,
    }));
    await createResendMailer({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      defaultFrom: 'Démocratie ș <alerts@example.org>',
      clock: systemClock,
    }).sendBatch(messages, { idempotencyKey: 'ascii-body' });
    const delivered = [...fake.deliveries()].sort((a, b) => a.to[0]!.localeCompare(b.to[0]!));
    expect(delivered.map((d) => [d.from, d.subject, d.html, d.text])).toEqual(
      [0, 1].map((n) => ['Démocratie ș <alerts@example.org>', `Résumé ${n} ’`, `<p>${tricky}</p>`, tricky]),
    );
  });
});

describe('transient failures are retried with the same key and payload', () => {
  it('a 429 waits at least retry-after, and the person gets exactly one email', async () => {
    fake.failNext(2, { type: 'rate-limit', retryAfterSeconds: 2 });
    const { id } = await mailer().send(message('ana@example.net'), { idempotencyKey: 'k-429' });

    expect(fake.requests()).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps.every((ms) => ms >= 2_000)).toBe(true);
    expect(new Set(fake.requests().map((request) => request.idempotencyKey))).toEqual(new Set(['k-429']));
    expect(new Set(fake.requests().map((request) => JSON.stringify(request.body))).size).toBe(1);
    expect(fake.deliveries().map((delivery) => delivery.id)).toEqual([id]);
  });

  it('500s, as JSON or as an HTML page from a proxy, are retried with growing backoff', async () => {
    fake.failNext(1, { type: 'server-error' });
    fake.failNext(1, { type: 'server-error', status: 502, html: true });
    fake.failNext(1, { type: 'server-error', status: 503 });
    await mailer().sendBatch([message('a@example.net', 1), message('b@example.net', 2)], { idempotencyKey: 'k-500' });

    expect(fake.requests()).toHaveLength(4);
    expect(sleeps).toEqual([...sleeps].sort((a, b) => a - b));
    expect(sleeps[2]).toBeGreaterThan(sleeps[0]!);
    expect(fake.deliveries()).toHaveLength(2);
    expect(logLines.join('')).toContain('retrying with the same idempotency key');
  });

  it('a response lost after Resend accepted the send: the retry is answered from the key, no second email', async () => {
    fake.failNext(1, { type: 'accept-then-hang' });
    const { id } = await mailer({ attemptTimeoutMs: 300 }).send(message('ana@example.net'), { idempotencyKey: 'k-lost' });

    expect(fake.requests()).toHaveLength(2);
    expect(fake.requests()[1]!.replayed).toBe(true);
    expect(fake.deliveries().map((delivery) => delivery.id)).toEqual([id]);
  });

  it('a hang and a dropped connection are retried', async () => {
    fake.failNext(1, { type: 'hang' });
    fake.failNext(1, { type: 'disconnect' });
    await mailer({ attemptTimeoutMs: 300 }).send(message('ana@example.net'), { idempotencyKey: 'k-net' });

    expect(fake.requests()).toHaveLength(3);
    expect(fake.deliveries()).toHaveLength(1);
  });

  it('the same key still in flight elsewhere (409 concurrent) is retried, and both callers get the one email', async () => {
    const slow = await startFakeResend({ latencyMs: 150 });
    try {
      const concurrent = mailer({
        apiKey: slow.apiKey,
        baseUrl: slow.url,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100))),
      });
      const [first, second] = await Promise.all([
        concurrent.send(message('ana@example.net'), { idempotencyKey: 'k-race' }),
        concurrent.send(message('ana@example.net'), { idempotencyKey: 'k-race' }),
      ]);
      expect(first.id).toBe(second.id);
      expect(slow.deliveries()).toHaveLength(1);
      expect(slow.requests().some((request) => request.status === 409)).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("gives up after the policy's attempts with a TransientEmailError; retrying later with the key sends once", async () => {
    fake.failNext(3, { type: 'server-error' });
    const error = await mailer({ retry: { maxAttempts: 3 } })
      .send(message('ana@example.net'), { idempotencyKey: 'k-later' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientEmailError);
    expect(error).toMatchObject({ code: 'internal_server_error', status: 500, attempts: 3 });
    expect(fake.deliveries()).toHaveLength(0);

    await mailer().send(message('ana@example.net'), { idempotencyKey: 'k-later' });
    await mailer().send(message('ana@example.net'), { idempotencyKey: 'k-later' });
    expect(fake.deliveries()).toHaveLength(1);
  });

  it('a daily quota is not retried within the call: TransientEmailError with the wait Resend asked for', async () => {
    fake.failNext(1, { type: 'error', status: 429, name: 'daily_quota_exceeded', headers: { 'retry-after': '3600' } });
    const error = await mailer()
      .send(message('ana@example.net'), { idempotencyKey: 'k-quota' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientEmailError);
    expect(error).toMatchObject({ code: 'daily_quota_exceeded', attempts: 1, retryAfterMs: 3_600_000 });
    expect(fake.requests()).toHaveLength(1);
  });
});

describe('permanent failures are reported, not retried', () => {
  it('a 422 is a PermanentEmailError after one request, and the log names no address', async () => {
    fake.failNext(1, { type: 'error', status: 422, name: 'validation_error', message: 'Invalid `to` field: ana@example.net' });
    const error = await mailer()
      .send(message('ana@example.net'), { idempotencyKey: 'k-422' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentEmailError);
    expect(error).toMatchObject({ code: 'validation_error', status: 422 });
    expect((error as Error).message).not.toContain('ana@example.net');
    expect(fake.requests()).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(logLines.join('')).toContain('email refused by the provider');
    expect(logLines.join('')).not.toContain('ana@example.net');
  });

  it('the same key with another payload is refused (409 invalid_idempotent_request), not sent twice', async () => {
    await mailer().send(message('ana@example.net', 1), { idempotencyKey: 'k-reuse' });
    const error = await mailer()
      .send(message('ana@example.net', 2), { idempotencyKey: 'k-reuse' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PermanentEmailError', code: 'invalid_idempotent_request', status: 409 });
    expect(fake.deliveries()).toHaveLength(1);
  });

  it('a wrong API key is permanent', async () => {
    const error = await mailer({ apiKey: 're_wrong' })
      .send(message('ana@example.net'), { idempotencyKey: 'k-auth' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PermanentEmailError', code: 'invalid_api_key', status: 403 });
  });

  it('an implausible recipient, a bad key or an oversized batch is refused before any request', async () => {
    const send = mailer();
    await expect(send.send(message('not-an-address'), { idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'invalid_recipient' });
    await expect(
      send.sendBatch([message('a@example.net'), message('nope@'), message('c@example.net')], { idempotencyKey: 'k' }),
    ).rejects.toMatchObject({ code: 'invalid_recipient', messageIndex: 1 });
    await expect(send.send(message('a@example.net'), { idempotencyKey: '' })).rejects.toBeInstanceOf(RangeError);
    await expect(send.send(message('a@example.net'), { idempotencyKey: 'x'.repeat(257) })).rejects.toBeInstanceOf(RangeError);
    const tooMany = Array.from({ length: 101 }, (_, n) => message(`r${n}@example.net`, n));
    await expect(send.sendBatch(tooMany, { idempotencyKey: 'k' })).rejects.toBeInstanceOf(RangeError);
    await expect(
      send.send({ ...message('a@example.net'), headers: { 'X-Bad': 'a\r\nBcc: x@example.net' } }, { idempotencyKey: 'k' }),
    ).rejects.toBeInstanceOf(RangeError);
    expect(fake.requests()).toHaveLength(0);
  });
});

describe('chaos', () => {
  it('random 429/500/lost responses at 30% over 50 batches: every email is delivered exactly once', async () => {
    fake.failRandomly({
      rate: 0.3,
      seed: 20250201,
      faults: [
        { type: 'rate-limit', retryAfterSeconds: 1 },
        { type: 'server-error' },
        { type: 'server-error', status: 503 },
        { type: 'accept-then-hang' },
        { type: 'disconnect' },
      ],
    });
    const send = mailer({ attemptTimeoutMs: 250, retry: { maxAttempts: 15 } });
    const expected: string[] = [];
    for (let batch = 0; batch < 50; batch++) {
      const messages = Array.from({ length: 10 }, (_, n) => message(`reader-${batch}-${n}@example.net`, batch * 10 + n));
      expected.push(...messages.map((m) => m.to));
      const { ids } = await send.sendBatch(messages, { idempotencyKey: `chaos/batch-${batch}` });
      const delivered = new Map(fake.deliveries().map((delivery) => [delivery.id, delivery.to[0]]));
      expect(ids.map((id) => delivered.get(id))).toEqual(messages.map((m) => m.to));
    }

    const received = fake.deliveries().map((delivery) => delivery.to[0]);
    expect(received).toHaveLength(500);
    expect(new Set(received)).toEqual(new Set(expected));
    const faulted = fake.requests().filter((request) => request.fault).length;
    expect(faulted).toBeGreaterThan(5);
    expect(fake.requests().length).toBe(50 + faulted);
  });
});
