import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testkit/app';
import { type SubscriberPageLinks, subscriberWithDigest } from '../testkit/subscriber-pages';

let t: TestApp;
let links: SubscriberPageLinks;
beforeAll(async () => {
  t = await createTestApp();
  links = await subscriberWithDigest(t, 'standards');
});
afterAll(() => t.close());

const formPost = (path: string, fields: [string, string][]) =>
  t.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
    body: new URLSearchParams(fields).toString(),
  });

/** A document that starts with the HTML doctype renders in standards mode, not quirks mode. */
const expectStandardsMode = async (res: Response, what: string) => {
  expect(res.headers.get('content-type'), what).toMatch(/^text\/html/);
  expect(await res.text(), what).toMatch(/^<!doctype html>/i);
};

describe('every subscriber page is in standards mode', () => {
  it('pages reached by a link: sign-up, confirm, preferences, unsubscribe, digest web view, bad links', async () => {
    const paths = [
      '/',
      '/check-inbox',
      links.confirm,
      links.manage,
      `${links.manage}&saved=1`,
      links.unsubscribe,
      links.view,
      '/preferences/signed-out',
      '/confirm?token=bad',
      '/preferences?token=bad',
      '/unsubscribe?token=bad',
      '/digests/view?token=bad',
    ];
    for (const path of paths) await expectStandardsMode(await t.app.request(path), path);
  });

  it('pages a form post with errors leads to: sign-up and preference errors', async () => {
    const followed = async (posted: Response) => {
      expect(posted.status).toBe(303);
      const cookie = posted.headers.get('set-cookie')!.split(';')[0]!;
      return t.app.request(posted.headers.get('location')!, { headers: { cookie } });
    };
    const signup = await followed(
      await formPost('/v1/subscriptions', [
        ['email', 'nope'],
        ['timezone', 'Mars/Olympus'],
      ]),
    );
    expect(await signup.clone().text()).toContain('Mars/Olympus');
    await expectStandardsMode(signup, 'sign-up with errors');
    const preferences = await followed(await formPost(links.manage, [['timezone', 'Mars/Olympus']]));
    expect(await preferences.clone().text()).toContain('Mars/Olympus');
    await expectStandardsMode(preferences, 'preferences with errors');
  });
});

describe('every form is POST-redirect-GET', () => {
  it('a valid sign-up is redirected to a page of its own, so a reload sends nothing again', async () => {
    const res = await formPost('/v1/subscriptions', [
      ['email', 'prg@example.org'],
      ['countries', 'KAZ'],
    ]);
    expect(res.status).toBe(303);
    // The page after it speaks the language the sign-up chose (here none, no Accept-Language: English).
    expect(res.headers.get('location')).toBe('/check-inbox?lang=en');
    const page = await t.app.request(res.headers.get('location')!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Check your inbox');
  });

  it('saving preferences is redirected to the preference page that says so', async () => {
    const res = await formPost(links.manage, [
      ['countries', 'GEO'],
      ['timezone', 'Asia/Tbilisi'],
    ]);
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/preferences\?token=.+&saved=1$/);
    expect(await (await t.app.request(location)).text()).toContain('Your choices are saved');
  });
});
