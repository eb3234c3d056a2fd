import { Webhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriberByEmail, findSuppression } from '../src/db/subscribers';
import { hashEmail } from '../src/email/address';
import { createTestApp, type TestApp } from '../testkit/app';
import { readOutbox } from '../testkit/mailbox';

const secret = `whsec_${Buffer.from('resend-webhook-secret-for-tests!').toString('base64')}`;
let t: TestApp;
let off: TestApp;
let n = 0;

beforeAll(async () => {
  t = await createTestApp({ RESEND_WEBHOOK_SECRET: secret });
  off = await createTestApp({}, t.database);
});
afterAll(() => t.close());

/** Posts a Resend event the way Resend does: Svix-signed over the raw body. */
function deliver(event: unknown, options: { id?: string; signWith?: string } = {}) {
  const id = options.id ?? `msg_${++n}`;
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const timestamp = new Date();
  const signature = new Webhook(options.signWith ?? secret).sign(id, timestamp, body);
  return t.app.request('/v1/email-events', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'svix-signature': signature,
    },
    body,
  });
}

async function subscriber(email: string) {
  await t.call('POST', '/v1/subscriptions', { email });
  await t.deps.background.idle();
}

const bounce = (to: string, type = 'Permanent') => ({
  type: 'email.bounced',
  created_at: '2025-02-01T09:00:00Z',
  data: { email_id: 'e1', to: [to], bounce: { type, message: 'mailbox does not exist' } },
});

describe('POST /v1/email-events (Resend webhooks)', () => {
  it('a hard bounce suppresses the address and ends its subscription; nothing is sent to it again', async () => {
    await subscriber('gone@example.org');
    const res = await deliver(bounce('Gone@Example.org'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'processed' });
    expect(await findSuppression(t.deps.db, hashEmail('gone@example.org', t.deps.appSecret))).toMatchObject({ reason: 'bounced' });
    expect(await findSubscriberByEmail(t.deps.db, 'gone@example.org')).toBeUndefined();
    t.clock.advance(10 * 60_000);
    await subscriber('gone@example.org');
    expect((await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === 'gone@example.org')).toHaveLength(1);
  });

  it('a complaint suppresses; a soft bounce and other events are ignored', async () => {
    expect(await (await deliver({ type: 'email.complained', data: { to: ['angry@example.org'] } })).json()).toEqual({
      status: 'processed',
    });
    expect(await findSuppression(t.deps.db, hashEmail('angry@example.org', t.deps.appSecret))).toMatchObject({ reason: 'complained' });
    expect(await (await deliver(bounce('full@example.org', 'Transient'))).json()).toEqual({ status: 'ignored' });
    expect(await (await deliver({ type: 'email.delivered', data: { to: ['ok@example.org'] } })).json()).toEqual({ status: 'ignored' });
    expect(await findSuppression(t.deps.db, hashEmail('full@example.org', t.deps.appSecret))).toBeUndefined();
  });

  it('handles a retried delivery (same svix-id) once', async () => {
    const first = await deliver(bounce('twice@example.org'), { id: 'msg_retry' });
    const again = await deliver(bounce('twice@example.org'), { id: 'msg_retry' });
    expect([await first.json(), await again.json()]).toEqual([{ status: 'processed' }, { status: 'duplicate' }]);
  });

  it('a signed event with U+0000 in a field is a 422 naming it, and records nothing', async () => {
    const res = await deliver(bounce('nul\u0000@example.org'), { id: 'msg_nul' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'data.to[0]' }] });
    expect(await t.deps.db.selectFrom('email_events').select('id').where('id', '=', 'msg_nul').execute()).toEqual([]);
  });

  it('a signed event with a lone surrogate in a field is a 422 naming it, and records nothing', async () => {
    const res = await deliver(bounce('lone\ud83d@example.org'), { id: 'msg_surrogate' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ errors: [{ path: 'data.to[0]', message: expect.stringMatching(/surrogate/) }] });
    expect(await t.deps.db.selectFrom('email_events').select('id').where('id', '=', 'msg_surrogate').execute()).toEqual([]);
  });

  it('a signed event nested 5,000 levels deep is answered, not a stack overflow', async () => {
    const nest = (bottom: string) =>
      `{"type":"email.delivered","data":{"to":["deep@example.org"],"deep":${'{"nested":'.repeat(5_000)}${bottom}${'}'.repeat(5_000)}}}`;
    const clean = await deliver(nest('"bottom"'));
    expect(clean.status).toBe(200);
    expect(await clean.json()).toEqual({ status: 'ignored' });
    const res = await deliver(nest('"bottom\\u0000"'), { id: 'msg_deep' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors[0]!.path).toBe(`data.deep${'.nested'.repeat(5_000)}`);
  });

  it('refuses a wrong signature with 401 and does nothing', async () => {
    const other = `whsec_${Buffer.from('another-secret-entirely-0000000!').toString('base64')}`;
    const res = await deliver(bounce('spoofed@example.org'), { signWith: other });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await findSuppression(t.deps.db, hashEmail('spoofed@example.org', t.deps.appSecret))).toBeUndefined();
    const unsigned = await t.call('POST', '/v1/email-events', bounce('spoofed@example.org'));
    expect(unsigned.status).toBe(401);
  });

  it('answers 503 when no signing secret is configured', async () => {
    expect((await off.call('POST', '/v1/email-events', bounce('x@example.org'))).status).toBe(503);
  });
});
