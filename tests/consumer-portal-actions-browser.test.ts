import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookEndpoint } from '../src/routes/webhooks/schema';
import { hasChromium, launchChromium, type ServedTestApp, serveTestApp, watchedContext } from '../testkit/browser';
import { sampleEvent } from '../testkit/events';
import { makeIntegrator, withKey } from '../testkit/integrators';
import { startReceiver } from '../testkit/webhook-receiver';

const axeSource: string = createRequire(import.meta.url)('axe-core').source;

let t: ServedTestApp;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let owner: Awaited<ReturnType<typeof makeIntegrator>>;

beforeAll(async () => {
  t = await serveTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1' });
  // The first delivery fails (500), so the portal has something to retry; everything after succeeds.
  receiver = await startReceiver({ statuses: [500], status: () => 204 });
  owner = await makeIntegrator(t, 'Portal actions');
}, 120_000);
afterAll(async () => {
  await t.deps.webhookPump.idle();
  await receiver.close();
  await t.close();
});

/** A refused field as the page shows it: marked invalid, linked to its message, the input kept. */
async function expectRefusedField(field: ReturnType<Page['getByLabel']>, describedBy: string, kept: string): Promise<void> {
  expect(await field.getAttribute('aria-invalid')).toBe('true');
  expect(await field.getAttribute('aria-describedby')).toBe(describedBy);
  expect(await field.inputValue()).toBe(kept);
}

/**
 * The portal's actions in Chromium with JavaScript off (the pages must work without it): add an
 * endpoint with a throttle (an error first), a delivery that failed, retry it, replay a time
 * range, send a test event, rotate the secret. Each page as the browser got it is checked with
 * axe-core in a second, scripted page (axe needs JavaScript; the HTML is served to it as is).
 */
describe.skipIf(!hasChromium)('the consumer portal actions in Chromium without JavaScript, 0 axe-core violations', () => {
  let browser: Browser;
  let page: Page;
  let axePage: Page;
  const violations = new Map<string, string[]>();

  beforeAll(async () => {
    browser = await launchChromium();
    ({ page } = await watchedContext(browser, t.origin, { javaScriptEnabled: false }));
    ({ page: axePage } = await watchedContext(browser, t.origin, { bypassCSP: true, javaScriptEnabled: true }));
    page.setDefaultTimeout(20_000);
  }, 120_000);
  afterAll(() => browser?.close());

  /** axe-core over the HTML the no-JS page shows now, at its own address (so its stylesheet loads). */
  async function check(name: string) {
    const html = await page.content();
    expect(html, name).not.toMatch(/<script\b/i);
    const url = page.url();
    await axePage.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }), { times: 1 });
    await axePage.goto(url);
    await axePage.evaluate(axeSource);
    const found = (await axePage.evaluate(() =>
      (window as unknown as { axe: { run: () => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe
        .run()
        .then((r) => r.violations.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)),
    )) as string[];
    violations.set(name, found);
    expect(await axePage.evaluate(() => document.compatMode), name).toBe('CSS1Compat');
  }

  it('retries a failed delivery, replays a time range, sends a test event and rotates the secret', { timeout: 180_000 }, async () => {
    const { url } = (await (await withKey(t, owner.key)('POST', '/v1/portal-links', {})).json()) as { url: string };
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Your webhook endpoints' }).waitFor();

    // Add, with a throttle the form refuses first.
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Countries').fill('ISL');
    await page.getByLabel('Deliveries per second at most').fill('fast');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    // POST-redirect-GET: the errors are on the portal's page, and a reload shows them again without posting.
    expect(new URL(page.url()).pathname).toBe('/portal');
    await page.reload();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    const rate = page.getByLabel('Deliveries per second at most');
    await expectRefusedField(rate, 'rateLimit-hint rateLimit-error', 'fast');
    expect(await page.getByLabel('Countries').inputValue()).toBe('ISL');
    expect(await page.locator('#rateLimit-error').textContent()).toContain('whole number of deliveries per second');
    await check('add: throttle refused beside its field');
    await rate.fill('5');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Your new signing secret, shown only now').waitFor();
    const firstSecret = (await page.locator('code').filter({ hasText: 'whsec_' }).textContent())!;
    const endpoints = (await (await withKey(t, owner.key)('GET', '/v1/webhooks')).json()) as { data: WebhookEndpoint[] };
    const endpoint = endpoints.data.find((e) => e.url === receiver.url)!;
    expect(endpoint.rateLimit).toBe(5);

    // Edit with an unknown country: refused beside the field on the endpoint's page, nothing saved.
    await page.goto(`${t.origin}/portal/endpoints/${endpoint.id}`);
    await page.getByLabel('Countries').fill('ISL, XYZ');
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/portal/endpoints/${endpoint.id}`);
    const countries = page.getByLabel('Countries');
    await expectRefusedField(countries, 'countries-hint countries-error', 'ISL, XYZ');
    expect(await page.locator('#countries-error').textContent()).toContain('XYZ');
    await check('edit: unknown country refused beside its field');
    const unchanged = (await (await withKey(t, owner.key)('GET', `/v1/webhooks/${endpoint.id}`)).json()) as WebhookEndpoint;
    expect(unchanged.countries).toEqual(['ISL']);

    // A change for it: the first attempt fails (500) and waits for its retry.
    expect((await t.call('POST', '/v1/admin/events', { events: [sampleEvent({ country: 'ISL' })] }, { admin: true })).status).toBe(200);
    await t.deps.webhookPump.idle();
    expect(receiver.received.map((r) => r.status)).toEqual([500]);
    const deliveryId = receiver.received[0]!.id;
    await page.goto(`${t.origin}/portal/endpoints/${endpoint.id}`);
    const row = page.getByRole('row').filter({ hasText: deliveryId });
    await expect.poll(() => row.getByRole('cell').nth(1).textContent()).toBe('pending');
    expect(await row.textContent()).toContain('500');
    await check('endpoint: a failed delivery waiting for its retry');

    // Retry: the same webhook-id, now delivered.
    await row.getByRole('button', { name: `Retry ${deliveryId}` }).click();
    await page.getByText('The delivery is queued again with the same webhook-id.').waitFor();
    await t.deps.webhookPump.idle();
    expect(receiver.received.map((r) => [r.id, r.status])).toEqual([
      [deliveryId, 500],
      [deliveryId, 204],
    ]);
    await check('endpoint: delivery retried');
    await page.reload();
    expect(await page.getByRole('row').filter({ hasText: deliveryId }).getByRole('cell').nth(1).textContent()).toBe('delivered');

    // Replay a time range around the change (detected at 09:00 UTC): queued again, under its webhook-id.
    const since = page.getByLabel('Replay every event since (UTC date and time)');
    const until = page.getByLabel('… and before (UTC date and time; empty: up to now)');
    await since.fill('2025-02-01T08:00');
    await until.fill('2025-02-01T07:00');
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Enter an end after the start').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/portal/endpoints/${endpoint.id}`);
    const refusedUntil = page.getByLabel('… and before (UTC date and time; empty: up to now)');
    await expectRefusedField(refusedUntil, 'until-error', '2025-02-01T07:00');
    expect(await page.getByLabel('Replay every event since (UTC date and time)').inputValue()).toBe('2025-02-01T08:00');
    await check('endpoint: replay range refused beside its field');
    await page.getByLabel('Replay every event since (UTC date and time)').fill('2025-02-01T08:00');
    await page.getByLabel('… and before (UTC date and time; empty: up to now)').fill('2025-02-01T10:00');
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Every matching event since then is queued again.').waitFor();
    await t.deps.webhookPump.idle();
    expect(receiver.received.map((r) => r.id)).toEqual([deliveryId, deliveryId, deliveryId]);
    await check('endpoint: range replayed');
    // A range that ends before the change queues nothing.
    await page.getByLabel('Replay every event since (UTC date and time)').fill('2025-02-01T08:00');
    await page.getByLabel('… and before (UTC date and time; empty: up to now)').fill('2025-02-01T08:30');
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Every matching event since then is queued again.').waitFor();
    await t.deps.webhookPump.idle();
    expect(receiver.received).toHaveLength(3);

    // Send a test event.
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await page.getByText('Test event sent: the endpoint answered 204').waitFor();
    expect(receiver.received.at(-1)!.type).toBe('ping');
    await check('endpoint: test event sent');

    // Rotate the secret: a new one, shown once.
    await page.getByRole('button', { name: 'Rotate the signing secret' }).click();
    await page.getByText('Your new signing secret, shown only now').waitFor();
    const secret = (await page.locator('code').filter({ hasText: 'whsec_' }).textContent())!;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(firstSecret);
    await check('endpoint: secret rotated');
    // POST-redirect-GET: the address is the endpoint's page, and a reload neither posts again nor shows the secret again.
    expect(new URL(page.url()).pathname).toBe(`/portal/endpoints/${endpoint.id}`);
    await page.reload();
    expect(await page.locator('code').filter({ hasText: 'whsec_' }).count()).toBe(0);
    const stored = await t.database.db
      .selectFrom('webhook_endpoints')
      .select('secrets')
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    expect(stored.secrets, 'the first secret and one rotation, not two').toHaveLength(2);

    expect(Object.fromEntries(violations)).toEqual(Object.fromEntries([...violations.keys()].map((k) => [k, []])));
  });
});
