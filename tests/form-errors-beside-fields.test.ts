import { DomUtils, parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testkit/app';
import { type SubscriberPageLinks, subscriberWithDigest } from '../testkit/subscriber-pages';

let t: TestApp;
let links: SubscriberPageLinks;
let ip = 0;
beforeAll(async () => {
  t = await createTestApp();
  links = await subscriberWithDigest(t, 'form-errors');
});
afterAll(() => t.close());

const formPost = (path: string, fields: [string, string][]) =>
  t.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', 'x-forwarded-for': `198.51.100.${++ip}` },
    body: new URLSearchParams(fields).toString(),
  });

/** A form post with errors as a browser makes it: the 303 (its URL names no address), then the page it leads to, with the cookie it set. */
async function submitWithErrors(path: string, fields: [string, string][]) {
  const posted = await formPost(path, fields);
  expect(posted.status).toBe(303);
  const location = posted.headers.get('location')!;
  expect(location).toMatch(/[?&]draft=[\w-]+(&lang=[a-z]{2})?$/);
  for (const [, value] of fields)
    if (value.includes('@') || value.includes(' at ')) expect(decodeURIComponent(location)).not.toContain(value);
  const cookie = posted.headers.get('set-cookie')!.split(';')[0]!;
  expect(posted.headers.get('set-cookie')).toMatch(/HttpOnly/i);
  const shown = await t.app.request(location, { headers: { cookie } });
  expect(shown.status).toBe(200);
  return { location, cookie, shown };
}

/** The parsed page, with the few look-ups these tests need. */
async function page(res: Response) {
  const document = parseDocument(await res.text());
  const byId = (id: string) => DomUtils.findOne((e) => e.attribs.id === id, document.children, true);
  const text = (id: string) => {
    const element = byId(id);
    return element ? DomUtils.textContent(element).replace(/\s+/g, ' ').trim() : undefined;
  };
  const checked = (name: string) =>
    DomUtils.findAll((e) => e.name === 'input' && e.attribs.name === name && 'checked' in e.attribs, document.children).map(
      (e) => e.attribs.value,
    );
  const summaryLinks = DomUtils.findAll(
    (e) => e.name === 'a' && (e.attribs.href ?? '').startsWith('#') && e.attribs.href !== '#main',
    document.children,
  ).map((e) => e.attribs.href!);
  return { document, byId, text, checked, summaryLinks, body: DomUtils.textContent(document) };
}

/** The control is marked invalid and names its message (and its hint, if it has one). */
function expectLinkedError(p: Awaited<ReturnType<typeof page>>, controlId: string, field: string) {
  const control = p.byId(controlId);
  expect(control, controlId).toBeDefined();
  expect(control!.attribs['aria-invalid'], controlId).toBe('true');
  const describedBy = (control!.attribs['aria-describedby'] ?? '').split(' ');
  expect(describedBy, controlId).toContain(`${field}-error`);
  for (const id of describedBy) expect(p.byId(id), `aria-describedby ${id} of ${controlId}`).toBeDefined();
}

describe('sign-up form errors', () => {
  it('sit beside their fields in words, linked by aria-invalid and aria-describedby, with the input kept', async () => {
    const { shown } = await submitWithErrors('/v1/subscriptions', [
      ['email', 'ada at example'],
      ['countries', 'KAZ'],
      ['categories', 'rights'],
      ['frequency', 'weekly'],
      ['timezone', 'Mars/Olympus'],
    ]);
    const p = await page(shown);
    expect(p.text('timezone-error')).toBe(
      'Error: “Mars/Olympus” is not a time zone we know. Type a name such as Europe/Berlin or Asia/Almaty.',
    );
    expect(p.text('email-error')).toBe('Error: Enter your email address in the form name@example.org.');
    expectLinkedError(p, 'timezone', 'timezone');
    expectLinkedError(p, 'email', 'email');
    // No raw field names or schema wording anywhere on the page.
    expect(p.body).not.toMatch(/timezone:|email:|unknown time zone|IANA name such as Europe\/Berlin/);
    // The summary links to each field, and only those fields are marked.
    expect(p.summaryLinks).toEqual(['#email', '#timezone']);
    expect(p.byId('countries')!.attribs['aria-invalid']).toBeUndefined();
    // What the reader typed and ticked is all still there...
    expect(p.byId('email')!.attribs.value).toBe('ada at example');
    expect(p.checked('countries')).toEqual(['KAZ']);
    expect(p.checked('categories')).toEqual(['rights']);
    expect(p.checked('frequency')).toEqual(['weekly']);
    // ...and the time zone is marked as chosen, so the page's script does not replace it with the browser's.
    expect(p.byId('timezone')!.attribs.value).toBe('Mars/Olympus');
    expect(p.byId('timezone')!.attribs['data-chosen']).toBe('1');
  });

  it('a country that is not in the list is named in words beside the country group', async () => {
    const { shown } = await submitWithErrors('/v1/subscriptions', [
      ['email', 'ada@example.org'],
      ['countries', 'XXX'],
    ]);
    const p = await page(shown);
    expect(p.text('countries-error')).toBe('Error: “XXX” is not a country in our list. Choose countries from the list.');
    expectLinkedError(p, 'countries', 'countries');
    expect(p.summaryLinks).toEqual(['#countries']);
  });

  it('follow POST-redirect-GET: the address waits in an encrypted cookie, never in the URL; a reload shows the errors again, nobody else sees them', async () => {
    const { location, cookie } = await submitWithErrors('/v1/subscriptions', [
      ['email', 'grace@example.org'],
      ['timezone', 'Mars/Olympus'],
    ]);
    expect(location.startsWith('/?draft=')).toBe(true);
    expect(Buffer.from(cookie.split('=')[1]!, 'base64url').toString('latin1')).not.toContain('grace');
    const reload = await page(await t.app.request(location, { headers: { cookie } }));
    expect(reload.byId('email')!.attribs.value).toBe('grace@example.org');
    expect(reload.text('timezone-error')).toContain('“Mars/Olympus” is not a time zone we know');
    // Without the cookie, with another draft id, or with the cookie altered: a clean form.
    const clean = async (res: Response) => {
      expect(res.status).toBe(200);
      const p = await page(res);
      expect(p.byId('email')!.attribs.value ?? '').toBe('');
      expect(p.byId('timezone-error')).toBeFalsy();
    };
    await clean(await t.app.request(location));
    await clean(await t.app.request('/?draft=another', { headers: { cookie } }));
    const [name, value] = cookie.split('=') as [string, string];
    const altered = `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
    await clean(await t.app.request(location, { headers: { cookie: altered } }));
    // After 15 minutes the draft is gone.
    t.clock.advance(15 * 60_000 + 1_000);
    await clean(await t.app.request(location, { headers: { cookie } }));
    // A sign-up that goes through clears the draft.
    const sent = await t.app.request('/v1/subscriptions', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost',
        cookie,
        'x-forwarded-for': '198.51.100.250',
      },
      body: new URLSearchParams([['email', 'grace@example.org']]).toString(),
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/check-inbox?lang=en');
    expect(sent.headers.get('set-cookie')).toMatch(/^draft-signup=;.*Max-Age=0/i);
  });

  it('a fresh sign-up page lets the script guess the time zone', async () => {
    const p = await page(await t.app.request('/'));
    expect(p.byId('timezone')!.attribs['data-chosen']).toBeUndefined();
    expect(p.byId('timezone')!.attribs['aria-invalid']).toBeUndefined();
    expect(p.byId('timezone')!.attribs['aria-describedby']).toBe('timezone-hint');
  });
});

describe('preference form errors', () => {
  it('show what the reader chose, not the stored choices, with the error beside the time zone', async () => {
    const { location, cookie, shown } = await submitWithErrors(links.manage, [
      ['countries', 'GEO'],
      ['frequency', 'weekly'],
      ['timezone', 'Europe/Atlantis'],
    ]);
    expect(location.startsWith(`${links.manage}&draft=`)).toBe(true);
    const p = await page(shown);
    expectLinkedError(p, 'timezone', 'timezone');
    expect(p.text('timezone-error')).toContain('“Europe/Atlantis” is not a time zone we know');
    expect(p.checked('countries')).toEqual(['GEO']);
    expect(p.checked('frequency')).toEqual(['weekly']);
    expect(p.byId('timezone')!.attribs.value).toBe('Europe/Atlantis');
    // Nothing was saved.
    const row = await t.deps.db
      .selectFrom('subscribers')
      .select(['countries', 'timezone'])
      .where('email', '=', links.email)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ countries: ['KAZ'], timezone: 'UTC' });
    // Another subscriber's page, in the same browser with the same draft id, shows their own choices.
    const other = await subscriberWithDigest(t, 'form-errors-other');
    const theirs = await page(await t.app.request(`${other.manage}&draft=${location.split('draft=')[1]}`, { headers: { cookie } }));
    expect(theirs.byId('timezone-error')).toBeFalsy();
    expect(theirs.checked('countries')).toEqual(['KAZ']);
  });
});
