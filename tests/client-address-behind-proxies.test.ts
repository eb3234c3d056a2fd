import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config';
import { clientAddress, clientRateLimitKey } from '../src/http/client-address';
import { parseTrustedProxies, type TrustedProxies } from '../src/http/trusted-proxies';
import { createTestApp } from '../testkit/app';

/** The address the app would count a request under, from a socket peer and an X-Forwarded-For header. */
async function seenAs(trust: string, peer: string, forwarded?: string): Promise<string> {
  const trusted = parseTrustedProxies(trust) as TrustedProxies;
  const app = new Hono().get('/', (c) => c.text(clientAddress(c, trusted)));
  const res = await app.request(
    '/',
    { headers: forwarded ? { 'x-forwarded-for': forwarded } : {} },
    { incoming: { socket: { remoteAddress: peer } } },
  );
  return res.text();
}

describe('the client address behind proxies', () => {
  it('trusts no header without TRUST_PROXY: the socket peer is the client', async () => {
    expect(await seenAs('', '198.51.100.7', '203.0.113.1')).toBe('198.51.100.7');
  });

  it('with one trusted hop, takes the address the proxy appended, not what the client wrote before it', async () => {
    expect(await seenAs('1', '10.0.0.2', '203.0.113.9, 198.51.100.7')).toBe('198.51.100.7');
    expect(await seenAs('1', '10.0.0.2', '198.51.100.7')).toBe('198.51.100.7');
    expect(await seenAs('2', '10.0.0.2', '203.0.113.9, 198.51.100.7, 10.0.0.1')).toBe('198.51.100.7');
    expect(await seenAs('1', '10.0.0.2')).toBe('10.0.0.2');
  });

  it('with proxy ranges, takes the right-most address outside them; a peer outside them is the client', async () => {
    expect(await seenAs('10.0.0.0/8,::1', '10.0.0.2', '203.0.113.9, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7');
    expect(await seenAs('10.0.0.0/8', '198.51.100.50', '203.0.113.9')).toBe('198.51.100.50');
    expect(await seenAs('127.0.0.1', '::ffff:127.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(clientRateLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientRateLimitKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientRateLimitKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientRateLimitKey('198.51.100.7')).toBe('198.51.100.7');
  });

  it('refuses a TRUST_PROXY that is neither a hop count nor addresses, naming the variable', () => {
    expect(() => parseConfig({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/);
    expect(() => parseConfig({ TRUST_PROXY: '11' })).toThrow(/TRUST_PROXY/);
    expect(parseConfig({ TRUST_PROXY: '10.0.0.0/8, fd00::/8' }).trustProxy.kind).toBe('ranges');
  });
});

describe('sign-up limits behind one trusted proxy', () => {
  it('a client cannot dodge the per-client limit by writing X-Forwarded-For values of its own', async () => {
    const t = await createTestApp({ TRUST_PROXY: '1' });
    try {
      const answers = [];
      for (let i = 0; i < 30; i++) {
        answers.push(
          await t.call(
            'POST',
            '/v1/subscriptions',
            { email: `spoof-${i}@example.org` },
            { headers: { 'x-forwarded-for': `203.0.113.${i}, 127.0.0.1` } },
          ),
        );
      }
      expect(answers.filter((r) => r.status === 202)).toHaveLength(20);
      expect(answers.filter((r) => r.status === 429)).toHaveLength(10);
    } finally {
      await t.deps.background.idle();
      await t.close();
    }
  });

  it('an IPv6 client rotating through its /64 shares one limit', async () => {
    const t = await createTestApp({ TRUST_PROXY: '1' });
    try {
      const answers = [];
      for (let i = 0; i < 25; i++) {
        answers.push(
          await t.call(
            'POST',
            '/v1/subscriptions',
            { email: `rotate-${i}@example.org` },
            { headers: { 'x-forwarded-for': `2001:db8:5:6::${(i + 1).toString(16)}` } },
          ),
        );
      }
      expect(answers.filter((r) => r.status === 202)).toHaveLength(20);
    } finally {
      await t.deps.background.idle();
      await t.close();
    }
  });
});
