import { DomUtils, parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { createTestApp, type TestApp } from '../testkit/app';
import { type SubscriberPageLinks, subscriberWithDigest } from '../testkit/subscriber-pages';

let t: TestApp;
let links: SubscriberPageLinks;
beforeAll(async () => {
  t = await createTestApp();
  links = await subscriberWithDigest(t, 'leaver');
  await t.deps.db.updateTable('subscribers').set({ frequency: 'weekly' }).where('email', '=', links.email).execute();
});
afterAll(() => t.close());

const post = (path: string, fields: [string, string][], origin = 'http://localhost') =>
  t.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams(fields).toString(),
  });

/** The page as text, with its forms (action and button) and links. */
async function read(res: Response) {
  const document = parseDocument(await res.text());
  const forms = DomUtils.findAll((e) => e.name === 'form', document.children).map((f) => ({
    action: f.attribs.action!,
    button: DomUtils.textContent(DomUtils.findOne((e) => e.name === 'button', f.children, true)!).trim(),
  }));
  const anchors = DomUtils.findAll((e) => e.name === 'a', document.children).map((a) => ({
    text: DomUtils.textContent(a).trim(),
    href: a.attribs.href!,
  }));
  return { text: DomUtils.textContent(document).replace(/\s+/g, ' '), forms, anchors };
}

const stored = () => findSubscriberByEmail(t.deps.db, links.email);

describe('the unsubscribe page', () => {
  it('names the address masked and offers fewer emails beside stopping; a GET changes nothing', async () => {
    const res = await t.app.request(links.unsubscribe);
    expect(res.status).toBe(200);
    const page = await read(res);
    expect(page.text).toContain('For l***@example.org.');
    expect(page.text).not.toContain(links.email);
    expect(page.forms.map((f) => f.button)).toEqual(['Send me one email a month instead', 'Unsubscribe']);
    const fewerCountries = page.anchors.find((a) => a.text === 'Choose fewer countries or categories');
    expect(fewerCountries?.href).toMatch(/\/preferences\?token=/);
    expect((await t.app.request(new URL(fewerCountries!.href).pathname + new URL(fewerCountries!.href).search)).status).toBe(200);
    expect((await stored())?.frequency).toBe('weekly');
  });

  it('"one email a month instead" keeps every other choice and comes back to the page saying so (POST-redirect-GET)', async () => {
    const before = await stored();
    const res = await post(`/unsubscribe/fewer${new URL(links.unsubscribe, 'http://x').search}`, [['frequency', 'monthly']]);
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/unsubscribe\?token=.+&changed=monthly$/);
    expect(await stored()).toMatchObject({
      frequency: 'monthly',
      countries: before!.countries,
      timezone: before!.timezone,
      status: 'confirmed',
    });
    const page = await read(await t.app.request(location));
    expect(page.text).toContain('Done: you now get one email a month');
    expect(page.forms.map((f) => f.button)).toEqual(['Unsubscribe']);
  });

  it('refuses the page buttons when posted from another site', async () => {
    const query = new URL(links.unsubscribe, 'http://x').search;
    expect((await post(`/unsubscribe/stop${query}`, [], 'https://evil.example')).status).toBe(403);
    expect((await post(`/unsubscribe/fewer${query}`, [['frequency', 'monthly']], 'https://evil.example')).status).toBe(403);
    expect(await stored()).toBeDefined();
  });

  it('"Unsubscribe" redirects back to the link, which then says it is already done and offers no button', async () => {
    const res = await post(`/unsubscribe/stop${new URL(links.unsubscribe, 'http://x').search}`, []);
    expect(res.status).toBe(303);
    // The subscriber is gone after this, so their language travels with the redirect.
    expect(res.headers.get('location')).toBe(`${links.unsubscribe}&lang=en`);
    expect(await stored()).toBeUndefined();

    const again = await t.app.request(links.unsubscribe);
    expect(again.status).toBe(200);
    const page = await read(again);
    expect(page.text).toContain('You are unsubscribed');
    expect(page.text).toContain('This address is unsubscribed');
    expect(page.text).not.toContain('Stop your alerts?');
    expect(page.forms).toEqual([]);
    // Pressing a stale button (another tab) again is still a success.
    expect((await post(`/unsubscribe/stop${new URL(links.unsubscribe, 'http://x').search}`, [])).status).toBe(303);
  });

  it('a forged link is still refused with a page that says why', async () => {
    const res = await t.app.request('/unsubscribe?token=forged.token');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This link does not work');
  });
});
