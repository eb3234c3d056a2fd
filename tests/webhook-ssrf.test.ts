import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolveHost } from '../src/alerts/webhooks/http/contract';
import { pinnedAgent, pinnedLookup, type RequestInitWithDispatcher } from '../src/alerts/webhooks/http/node-pinned-agent';
import { checkWebhookUrl } from '../src/alerts/webhooks/http/safe-url';

const production = { allowPrivateNetworks: false };
const development = { allowPrivateNetworks: true };
/** A resolver that answers every name with the given addresses and records what it was asked. */
const resolvingTo = (...addresses: string[]) => {
  const asked: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    asked.push(hostname);
    return addresses;
  };
  return { resolve, asked };
};
const post = (dispatcher: RequestInitWithDispatcher['dispatcher']): RequestInitWithDispatcher => ({
  method: 'POST',
  body: '{}',
  dispatcher,
  redirect: 'manual',
});
const noDns: ResolveHost = async (hostname) => {
  throw new Error(`no DNS lookup expected, asked for ${hostname}`);
};

describe('webhook URL checks: refusals', () => {
  it.each([
    'http://127.0.0.1/',
    'http://[::1]/',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
  ])('refuses %s in production (http, and an internal address)', async (url) => {
    expect(await checkWebhookUrl(url, { ...production, resolve: noDns })).toMatchObject({ ok: false });
    const https = url.replace(/^http:/, 'https:');
    expect(await checkWebhookUrl(https, { ...production, resolve: noDns })).toMatchObject({ ok: false, code: 'blocked-address' });
  });

  it('names the range it refused', async () => {
    expect(await checkWebhookUrl('https://127.0.0.1/', production)).toEqual({
      ok: false,
      code: 'blocked-address',
      reason: 'the webhook URL points to a loopback address',
    });
    expect(await checkWebhookUrl('https://[::ffff:127.0.0.1]/', production)).toMatchObject({ reason: expect.stringContaining('loopback') });
    expect(await checkWebhookUrl('https://169.254.169.254/latest/meta-data', production)).toMatchObject({
      reason: expect.stringContaining('link-local (cloud metadata)'),
    });
  });

  it('refuses IPv4 written as one number, in hex, in octal or shortened', async () => {
    // The WHATWG URL parser rewrites all of these to 127.0.0.1 before any check runs.
    for (const host of ['2130706433', '0x7f000001', '017700000001', '127.1', '0177.0.0.1', '0x7f.1']) {
      expect(new URL(`https://${host}/`).hostname).toBe('127.0.0.1');
      expect(await checkWebhookUrl(`https://${host}/hook`, { ...production, resolve: noDns })).toMatchObject({
        ok: false,
        code: 'blocked-address',
        reason: 'the webhook URL points to a loopback address',
      });
    }
    expect(await checkWebhookUrl('https://0/', { ...production, resolve: noDns })).toMatchObject({ ok: false, code: 'blocked-address' });
  });

  it('refuses a host name that resolves to loopback, and asks the resolver for that name', async () => {
    const { resolve, asked } = resolvingTo('127.0.0.1');
    expect(await checkWebhookUrl('https://internal.example.com/hook', { ...production, resolve })).toEqual({
      ok: false,
      code: 'blocked-address',
      reason: 'the webhook URL points to a loopback address (internal.example.com resolves to 127.0.0.1)',
    });
    expect(asked).toEqual(['internal.example.com']);
  });

  it('refuses localhost, resolved for real', async () => {
    expect(await checkWebhookUrl('https://localhost/hook', production)).toMatchObject({ ok: false, code: 'blocked-address' });
  });

  it('refuses when any one of several addresses is internal', async () => {
    const { resolve } = resolvingTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '10.1.2.3');
    expect(await checkWebhookUrl('https://mixed.example.com/', { ...production, resolve })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('private network'),
    });
  });

  it.each([
    ['0.0.0.0', 'unspecified'],
    ['10.0.0.1', 'private network'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['127.0.0.53', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private network'],
    ['172.31.255.255', 'private network'],
    ['192.0.0.192', 'IETF protocol assignments'],
    ['192.168.1.1', 'private network'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'private network'],
    ['fd12:3456::1', 'private network'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['2001:db8::1', 'documentation'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'private network'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::7f00:1', 'IPv4-compatible'],
    // ipaddr.js reads the dotted IPv4-compatible spelling as IPv4-mapped, so it is unwrapped to 127.0.0.1.
    ['::127.0.0.1', 'loopback'],
    ['2002:7f00:1::1', '6to4'],
  ])('refuses a host resolving to %s (%s)', async (address, range) => {
    const { resolve } = resolvingTo(address);
    expect(await checkWebhookUrl('https://hooks.example.com/', { ...production, resolve })).toMatchObject({
      ok: false,
      code: 'blocked-address',
      reason: expect.stringContaining(range),
    });
  });

  it('refuses other schemes, credentials, plain http in production, and nonsense', async () => {
    const resolve = resolvingTo('93.184.216.34').resolve;
    expect(await checkWebhookUrl('ftp://hooks.example.com/', { ...development, resolve })).toMatchObject({ ok: false, code: 'scheme' });
    expect(await checkWebhookUrl('file:///etc/passwd', { ...development, resolve })).toMatchObject({ ok: false, code: 'scheme' });
    expect(await checkWebhookUrl('http://hooks.example.com/', { ...production, resolve })).toEqual({
      ok: false,
      code: 'scheme',
      reason: 'the webhook URL must use https, not http',
    });
    expect(await checkWebhookUrl('https://user:pass@hooks.example.com/', { ...production, resolve })).toMatchObject({
      ok: false,
      code: 'credentials',
    });
    expect(await checkWebhookUrl('https://user@hooks.example.com/', { ...production, resolve })).toMatchObject({
      ok: false,
      code: 'credentials',
    });
    expect(await checkWebhookUrl('not a url', { ...production, resolve })).toMatchObject({ ok: false, code: 'invalid-url' });
    expect(await checkWebhookUrl('https://nowhere.invalid/', { ...production, resolve: noDns })).toMatchObject({
      ok: false,
      code: 'unresolvable',
    });
    expect(await checkWebhookUrl('https://empty.example.com/', { ...production, resolve: async () => [] })).toMatchObject({
      ok: false,
      code: 'unresolvable',
    });
  });
});

describe('webhook URL checks: ports', () => {
  const publicHost = resolvingTo('93.184.216.34').resolve;
  it('a public address is reached on 443 only (and 80 for http where http is allowed), or a port the operator allowed', async () => {
    for (const url of [
      'https://hooks.example.com:6379/',
      'https://hooks.example.com:22/',
      'https://93.184.216.34:25/',
      'https://hooks.example.com:80/',
    ]) {
      const check = await checkWebhookUrl(url, { ...production, resolve: publicHost });
      expect(check, url).toMatchObject({
        ok: false,
        code: 'port',
        reason: expect.stringMatching(/port \d+ is not allowed on a public address/),
      });
    }
    expect(await checkWebhookUrl('https://hooks.example.com/', { ...production, resolve: publicHost })).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('https://hooks.example.com:443/', { ...production, resolve: publicHost })).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('http://hooks.example.com/', { ...development, resolve: publicHost })).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('http://hooks.example.com:8080/', { ...development, resolve: publicHost })).toMatchObject({
      ok: false,
      code: 'port',
    });
    const allowed = { ...production, allowedPorts: [8443], resolve: publicHost };
    expect(await checkWebhookUrl('https://hooks.example.com:8443/', allowed)).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('https://hooks.example.com:8444/', allowed)).toMatchObject({ ok: false, code: 'port' });
  });

  it('loopback and private targets keep any port where they are allowed (development and tests)', async () => {
    expect(await checkWebhookUrl('http://127.0.0.1:6379/', { ...development, resolve: noDns })).toMatchObject({ ok: true });
  });
});

describe('webhook URL checks: acceptance', () => {
  it('accepts a public address, without real DNS', async () => {
    const { resolve, asked } = resolvingTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946');
    const result = await checkWebhookUrl('https://hooks.example.com/tracker?x=1', { ...production, resolve });
    expect(result).toEqual({
      ok: true,
      url: new URL('https://hooks.example.com/tracker?x=1'),
      addresses: ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    });
    expect(asked).toEqual(['hooks.example.com']);
  });

  it('accepts a public IP literal without any lookup, and unwraps IPv4-mapped answers', async () => {
    expect(await checkWebhookUrl('https://93.184.216.34/', { ...production, resolve: noDns })).toMatchObject({
      ok: true,
      addresses: ['93.184.216.34'],
    });
    const { resolve } = resolvingTo('::ffff:93.184.216.34');
    expect(await checkWebhookUrl('https://mapped.example.com/', { ...production, resolve })).toMatchObject({
      ok: true,
      addresses: ['93.184.216.34'],
    });
  });

  it('allows http, loopback and private networks in development, never link-local metadata', async () => {
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://[::1]/',
      'http://10.0.0.1/',
      'http://192.168.1.10/',
      'http://[fd12::1]/',
      'http://localhost/',
    ]) {
      expect(await checkWebhookUrl(url, development)).toMatchObject({ ok: true });
    }
    for (const address of [
      '169.254.169.254',
      '::ffff:169.254.169.254',
      'fe80::1',
      'fd00:ec2::254',
      '100.100.100.200',
      '0.0.0.0',
      '224.0.0.1',
    ]) {
      const { resolve } = resolvingTo(address);
      expect(await checkWebhookUrl('http://metadata.example.com/', { ...development, resolve })).toMatchObject({
        ok: false,
        code: 'blocked-address',
      });
    }
  });
});

describe('pinned dispatcher: the connection goes to the checked address', () => {
  let server: Server;
  let port: number;
  const seen: { host: string | undefined; url: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      seen.push({ host: request.headers.host, url: request.url });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('received');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('reaches a local receiver on 127.0.0.1 in development', async () => {
    const check = await checkWebhookUrl(`http://127.0.0.1:${port}/hook`, development);
    if (!check.ok) throw new Error(check.reason);
    const dispatcher = pinnedAgent(check.addresses);
    try {
      const response = await fetch(check.url, post(dispatcher));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('received');
    } finally {
      await dispatcher.close();
    }
  });

  it('defeats DNS rebinding: connects to the checked address, with no second lookup, keeping the host name', async () => {
    // The first answer passes the check; a later one would point at the metadata service.
    const answers = [['127.0.0.1'], ['169.254.169.254']];
    let lookups = 0;
    const rebinding: ResolveHost = async () => answers[lookups++] ?? [];

    const check = await checkWebhookUrl(`http://rebind.test:${port}/rebound`, { ...development, resolve: rebinding });
    if (!check.ok) throw new Error(check.reason);
    expect(check.addresses).toEqual(['127.0.0.1']);
    expect(await checkWebhookUrl(`http://rebind.test:${port}/rebound`, { ...development, resolve: rebinding })).toMatchObject({
      ok: false,
    });
    expect(lookups).toBe(2);

    // rebind.test exists in no DNS (.test is reserved), so reaching the server proves nothing was looked up.
    const dispatcher = pinnedAgent(check.addresses);
    try {
      const response = await fetch(check.url, post(dispatcher));
      expect(response.status).toBe(200);
      expect(seen.at(-1)).toEqual({ host: `rebind.test:${port}`, url: '/rebound' });
    } finally {
      await dispatcher.close();
    }
    expect(lookups).toBe(2);
  });

  it('sends the host name, not the address, as the TLS server name', async () => {
    const serverNames: string[] = [];
    // No certificate is needed: the server records the SNI from the ClientHello, then refuses the handshake.
    const tlsServer = createTlsServer({
      SNICallback: (serverName, callback) => {
        serverNames.push(serverName);
        callback(new Error('test server ends the handshake here'));
      },
    });
    tlsServer.on('tlsClientError', () => {});
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const tlsPort = (tlsServer.address() as AddressInfo).port;
    const dispatcher = pinnedAgent(['127.0.0.1']);
    try {
      await expect(fetch(`https://hooks.rebind.test:${tlsPort}/`, post(dispatcher))).rejects.toThrow();
      expect(serverNames).toEqual(['hooks.rebind.test']);
    } finally {
      await dispatcher.close();
      tlsServer.close();
    }
  });

  it('goes nowhere but the pinned address: pinned to 127.0.0.2, the receiver on 127.0.0.1 is not reached', async () => {
    const before = seen.length;
    const dispatcher = pinnedAgent(['127.0.0.2']);
    try {
      const failure = await fetch(`http://127.0.0.1.rebind.test:${port}/`, post(dispatcher)).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).cause).toMatchObject({ code: 'ECONNREFUSED', address: '127.0.0.2' });
    } finally {
      await dispatcher.close();
    }
    expect(seen.length).toBe(before);
  });

  it('answers lookups from the pinned list only, per family, singly or all at once', () => {
    const lookup = pinnedLookup(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
    const answers: unknown[][] = [];
    const record = (...args: unknown[]) => answers.push(args);
    lookup('anything.example', { all: true }, record);
    lookup('anything.example', {}, record);
    lookup('anything.example', { family: 6 }, record);
    lookup('anything.example', { family: 4, all: true }, record);
    expect(answers).toEqual([
      [
        null,
        [
          { address: '93.184.216.34', family: 4 },
          { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
        ],
      ],
      [null, '93.184.216.34', 4],
      [null, '2606:2800:220:1:248:1893:25c8:1946', 6],
      [null, [{ address: '93.184.216.34', family: 4 }]],
    ]);
    pinnedLookup(['127.0.0.1'])('x', { family: 6 }, record);
    expect(answers.at(-1)?.[0]).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('refuses to pin anything but IP addresses', () => {
    expect(() => pinnedAgent([])).toThrow(/at least one/);
    expect(() => pinnedAgent(['example.com'])).toThrow(/checked IP addresses/);
  });
});
