import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signPayload, webhookHeaders } from '../src/alerts/webhooks/sign';

// The known-answer vector every Standard Webhooks reference library tests against.
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: new Date(1614265330 * 1000),
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const body = JSON.stringify({ type: 'event.published', timestamp: '2025-02-01T09:00:00Z', data: { change: { id: 42 } } });

describe('Standard Webhooks signing', () => {
  it('matches the spec known-answer vector', () => {
    expect(signPayload({ secrets: [vector.secret], id: vector.id, timestamp: vector.timestamp, body: vector.body })).toBe(vector.signature);
    // The reference package agrees on the same input.
    expect(new Webhook(vector.secret).sign(vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  it('generates whsec_ secrets of 32 random bytes by default, 24 to 64 on request', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
    expect(Buffer.from(generateWebhookSecret(24).slice(6), 'base64')).toHaveLength(24);
    expect(Buffer.from(generateWebhookSecret(64).slice(6), 'base64')).toHaveLength(64);
    expect(() => generateWebhookSecret(16)).toThrow(RangeError);
    expect(() => generateWebhookSecret(65)).toThrow(RangeError);
  });

  it('builds the four request headers, timestamp in unix seconds', () => {
    const timestamp = new Date('2025-02-01T09:00:00.750Z');
    const headers = webhookHeaders({ secrets: [vector.secret], id: 'msg_1', timestamp, body });
    expect(headers).toEqual({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signPayload({ secrets: [vector.secret], id: 'msg_1', timestamp, body }),
      'content-type': 'application/json',
    });
  });

  it('verifies with the public standardwebhooks package, as a consumer would', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders({ secrets: [secret], id: 'msg_consumer', timestamp: new Date(), body });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('fails verification with a wrong secret or an altered body', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders({ secrets: [secret], id: 'msg_wrong', timestamp: new Date(), body });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body.replace('42', '43'), headers)).toThrow(WebhookVerificationError);
  });

  it('signs with every secret during rotation, so both the old and the new one verify', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const headers = webhookHeaders({ secrets: [newSecret, oldSecret], id: 'msg_rotation', timestamp: new Date(), body });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('refuses to sign without a secret or with a malformed one', () => {
    const input = { id: 'msg_x', timestamp: new Date(), body };
    expect(() => signPayload({ ...input, secrets: [] })).toThrow(/at least one secret/);
    expect(() => signPayload({ ...input, secrets: ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] })).toThrow(/whsec_/);
    expect(() => signPayload({ ...input, secrets: ['whsec_c2hvcnQ='] })).toThrow(/24 to 64 bytes/);
    expect(() => signPayload({ ...input, secrets: ['whsec_not base64!!'] })).toThrow(/base64/);
  });
});
