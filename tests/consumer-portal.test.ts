import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookEndpointCreated } from '../src/routes/webhooks/schema';
import { hasChromium, launchChromium, type ServedTestApp, serveTestApp, watchedContext } from '../testkit/browser';
import { makeIntegrator, withKey } from '../testkit/integrators';
import { startReceiver } from '../testkit/webhook-receiver';

const axeSource: string = createRequire(import.meta.url)('axe-core').source;

let t: ServedTestApp;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let owner: Awaited<ReturnType<typeof makeIntegrator>>;
let stranger: Awaited<ReturnType<typeof makeIntegrator>>;

beforeAll(async () => {
  t = await serveTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' });
  receiver = await startReceiver({ status: () => 204 });
  owner = await makeIntegrator(t, 'Portal owner');
  stranger = await makeIntegrator(t, 'Portal stranger');
}, 120_000);
afterAll(async () => {
  await t.deps.webhookPump.idle();
  await receiver.close();
  await t.close();
});

const mint = async (key: string) => {
  const res = await withKey(t, key)('POST', '/v1/portal-links', {});
  expect(res.status).toBe(201);
  return (await res.json()) as { url: string; expiresAt: string };
};

/** Opens a portal link in-process: the session cookie it sets. */
const session = async (url: string) => {
  const res = await t.app.request(url.replace(t.origin, ''));
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/portal');
  const cookie = res.headers.get('set-cookie')!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  return cookie.split(';')[0]!;
};

describe('the consumer portal', () => {
  it('opens through a short-lived signed link, which the operator or the key can mint', async () => {
    const cookie = await session((await mint(owner.key)).url);
    const page = await t.app.request('/portal', { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('Portal owner');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'none'");

    const byOperator = await t.call('POST', '/v1/portal-links', { integratorId: owner.id }, { admin: true });
    expect(byOperator.status).toBe(201);
    const withoutId = await t.call('POST', '/v1/portal-links', {}, { admin: true });
    expect(withoutId.status).toBe(422);
    expect(((await withoutId.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('integratorId');
    const forAnother = await withKey(t, stranger.key)('POST', '/v1/portal-links', { integratorId: owner.id });
    expect(forAnother.status).toBe(404);
  });

  it('answers 401 with a clear title for an expired or forged link and without a session', async () => {
    const { url } = await mint(owner.key);
    const start = t.clock.now();
    t.clock.set(new Date(start.getTime() + 16 * 60_000));
    try {
      const expired = await t.app.request(url.replace(t.origin, ''));
      expect(expired.status).toBe(401);
      expect(await expired.text()).toContain('This portal link has expired');
    } finally {
      t.clock.set(start);
    }
    const forged = await t.app.request(`${url.replace(t.origin, '').slice(0, -3)}AAA`);
    expect(forged.status).toBe(401);
    expect(await forged.text()).toContain('This portal link is not valid');
    const none = await t.app.request('/portal');
    expect(none.status).toBe(401);
  });

  it("cannot reach another integrator's endpoints, and refuses cross-site form posts", async () => {
    const created = (await (await withKey(t, owner.key)('POST', '/v1/webhooks', { url: receiver.url })).json()) as WebhookEndpointCreated;
    const cookie = await session((await mint(stranger.key)).url);
    const origin = new URL(t.origin).origin;
    for (const [method, path] of [
      ['GET', `/portal/endpoints/${created.id}`],
      ['POST', `/portal/endpoints/${created.id}/rotate-secret`],
      ['POST', `/portal/endpoints/${created.id}/test`],
    ] as const) {
      const res = await t.app.request(`${origin}${path}`, {
        method,
        headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
        ...(method === 'POST' ? { body: '' } : {}),
      });
      expect(res.status, path).toBe(404);
    }
    const ownerCookie = await session((await mint(owner.key)).url);
    const crossSite = await t.app.request(`${origin}/portal/endpoints/${created.id}/rotate-secret`, {
      method: 'POST',
      headers: { cookie: ownerCookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(crossSite.status).toBe(403);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('portal forms with errors: POST-redirect-GET', () => {
  const origin = () => new URL(t.origin).origin;
  const post = (cookie: string, path: string, form: Record<string, string>) =>
    t.app.request(`${origin()}${path}`, {
      method: 'POST',
      headers: { cookie, origin: origin(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  /** The 303 of a refused post: where it leads, and the draft cookie it set (name=value). */
  const refused = (res: Response) => {
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    return { location: res.headers.get('location')!, draft: cookie.split(';')[0]! };
  };
  const page = async (cookie: string, location: string) => {
    const res = await t.app.request(`${origin()}${location}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('the add form: the page it redirects to shows the input and each error beside its field, again on reload, to this integrator only', async () => {
    const cookie = await session((await mint(owner.key)).url);
    const before = await t.database.db.selectFrom('webhook_endpoints').select('id').execute();
    const { location, draft } = refused(
      await post(cookie, '/portal/endpoints', { url: 'ftp://nowhere', countries: 'NOR', rateLimit: 'fast', signatures: 'v1' }),
    );
    expect(location).toMatch(/^\/portal\?draft=[\w-]+$/);
    expect(location, 'nothing typed goes into the address').not.toMatch(/nowhere|fast/);
    for (let load = 0; load < 2; load++) {
      const html = await page(`${cookie}; ${draft}`, location);
      expect(html).toContain('There is a problem');
      expect(html).toMatch(
        /<input id="url" name="url" type="url" value="ftp:\/\/nowhere" aria-invalid="true" aria-describedby="url-hint url-error"/,
      );
      expect(html).toContain(
        '<p class="field-error" id="url-error">We cannot deliver to this URL: the webhook URL must use http or https, not ftp.</p>',
      );
      expect(html).toMatch(/<input id="rateLimit"[^>]* value="fast" aria-invalid="true" aria-describedby="rateLimit-hint rateLimit-error"/);
      expect(html).toContain('<p class="field-error" id="rateLimit-error">fast: enter a whole number of deliveries per second');
      expect(html).toMatch(/<input id="countries"[^>]* value="NOR" aria-describedby="countries-hint"/);
    }
    expect(await t.database.db.selectFrom('webhook_endpoints').select('id').execute()).toHaveLength(before.length);
    // Without the cookie, or in another integrator's session, the same address shows an empty form.
    expect(await page(cookie, location)).not.toContain('There is a problem');
    const strangerCookie = await session((await mint(stranger.key)).url);
    const theirs = await page(`${strangerCookie}; ${draft}`, location);
    expect(theirs).not.toContain('There is a problem');
    expect(theirs).not.toContain('nowhere');
  });

  it("an endpoint's edit and replay forms redirect to its page with their input and errors; a form too large for a cookie is answered in place", async () => {
    const created = (await (await withKey(t, owner.key)('POST', '/v1/webhooks', { url: receiver.url })).json()) as WebhookEndpointCreated;
    const cookie = await session((await mint(owner.key)).url);
    const path = `/portal/endpoints/${created.id}`;

    const edit = refused(await post(cookie, path, { url: receiver.url, countries: 'NOR, XYZ', signatures: 'v1', enabled: 'on' }));
    expect(edit.location).toMatch(new RegExp(`^${path}\\?draft=[\\w-]+$`));
    const edited = await page(`${cookie}; ${edit.draft}`, edit.location);
    expect(edited).toMatch(
      /<input id="countries"[^>]* value="NOR, XYZ" aria-invalid="true" aria-describedby="countries-hint countries-error"/,
    );
    expect(edited).toMatch(/<p class="field-error" id="countries-error">[^<]*XYZ[^<]*<\/p>/);
    const stored = await t.database.db
      .selectFrom('webhook_endpoints')
      .select('countries')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(stored.countries).toEqual([]);

    const replay = refused(await post(cookie, `${path}/replay`, { since: '2025-02-01T08:00', until: '2025-02-01T07:00' }));
    expect(replay.location).toMatch(new RegExp(`^${path}\\?draft=[\\w-]+$`));
    const replayed = await page(`${cookie}; ${replay.draft}`, replay.location);
    expect(replayed).toMatch(/<input id="since" name="since" type="datetime-local" value="2025-02-01T08:00"\/?>/);
    expect(replayed).toMatch(
      /<input id="until" name="until" type="datetime-local" value="2025-02-01T07:00" aria-invalid="true" aria-describedby="until-error"/,
    );
    expect(replayed).toContain('<p class="field-error" id="until-error">Enter an end after the start');

    // A URL too long for the draft cookie: the page with its errors comes back in place, 422.
    const long = await post(cookie, path, { url: `ftp://nowhere/${'x'.repeat(5_000)}`, signatures: 'v1' });
    expect(long.status).toBe(422);
    expect(long.headers.get('set-cookie')).toBeNull();
    expect(await long.text()).toMatch(/<input id="url" name="url" type="url" value="ftp:\/\/nowhere\/x+" aria-invalid="true"/);
  });
});

describe.skipIf(!hasChromium)('the consumer portal in Chromium: no JavaScript, 0 axe-core violations', () => {
  let browser: Browser;
  let page: Page;
  const violations = new Map<string, string[]>();

  beforeAll(async () => {
    browser = await launchChromium();
    ({ page } = await watchedContext(browser, t.origin, { bypassCSP: true, javaScriptEnabled: true }));
    page.setDefaultTimeout(20_000);
  }, 120_000);
  afterAll(() => browser?.close());

  async function check(name: string) {
    await page.evaluate(axeSource);
    const found = (await page.evaluate(() =>
      (window as unknown as { axe: { run: () => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe
        .run()
        .then((r) => r.violations.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)),
    )) as string[];
    violations.set(name, found);
    expect(await page.evaluate(() => document.compatMode), name).toBe('CSS1Compat');
  }

  it('walks through every portal page: add (with an error first), edit, test, deliveries, catalogue', { timeout: 120_000 }, async () => {
    await page.goto((await mint(owner.key)).url);
    await page.getByRole('heading', { level: 1, name: 'Your webhook endpoints' }).waitFor();
    await check('endpoints');

    await page.getByLabel('Endpoint URL').fill('ftp://nowhere');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    expect(await page.getByLabel('Endpoint URL').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Endpoint URL').inputValue()).toBe('ftp://nowhere');
    await check('add with an error');

    await page.getByLabel('Endpoint URL').fill(`${receiver.url}?portal=1`);
    await page.getByLabel('Description').fill('Portal bot');
    await page.getByRole('checkbox', { name: 'v1a' }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Your new signing secret, shown only now').waitFor();
    await check('endpoint added, secret shown once');

    await page.getByRole('button', { name: 'Send a test event' }).click();
    await page.getByText('Test event sent: the endpoint answered 204').waitFor();
    await page.getByLabel('Countries').fill('KAZ, NOR');
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByText('Your changes are saved.').waitFor();
    expect(await page.getByLabel('Countries').inputValue()).toBe('KAZ, NOR');
    await check('endpoint saved');

    await page.getByRole('link', { name: 'Event catalogue' }).click();
    await page.getByRole('heading', { level: 2, name: 'event.published' }).waitFor();
    await check('event catalogue');

    expect(Object.fromEntries(violations)).toEqual(Object.fromEntries([...violations.keys()].map((k) => [k, []])));
    expect(receiver.received.some((r) => r.type === 'ping')).toBe(true);
  });
});
