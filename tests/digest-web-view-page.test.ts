import { DomUtils, parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestPage } from '../src/pages/digest-page';
import { renderDigestEmail } from '../src/templates/digest-email';
import { createTestApp, type TestApp } from '../testkit/app';
import { readOutbox } from '../testkit/mailbox';
import { sampleDigestModel } from '../testkit/sample-models';
import { type SubscriberPageLinks, subscriberWithDigest } from '../testkit/subscriber-pages';

let t: TestApp;
let links: SubscriberPageLinks;
beforeAll(async () => {
  t = await createTestApp();
  links = await subscriberWithDigest(t, 'web-view');
});
afterAll(() => t.close());

const textOf = (html: string) => DomUtils.textContent(parseDocument(html)).replace(/\s+/g, ' ');

describe('the digest web view', () => {
  it('is a page of the site: its header, one main landmark, its stylesheet, and the digest inside main', async () => {
    const res = await t.app.request(links.view);
    expect(res.status).toBe(200);
    const html = await res.text();
    const document = parseDocument(html);
    const all = (name: string) => DomUtils.findAll((e) => e.name === name, document.children);
    expect(html).toMatch(/^<!doctype html>/i);
    expect(all('main')).toHaveLength(1);
    expect(all('header').filter((e) => e.attribs.class === 'site')).toHaveLength(1);
    expect(all('link').map((e) => e.attribs.href)).toEqual([expect.stringMatching(/^\/assets\/style\.css\?v=/)]);
    expect(res.headers.get('content-security-policy')).toContain("style-src 'self'");
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    const main = DomUtils.textContent(all('main')[0]!).replace(/\s+/g, ' ');
    expect(main).toContain('Satirist arrested');
    expect(all('h1').map((h) => DomUtils.textContent(h))).toEqual(['January 2025']);
    // Not the email's HTML: no layout tables, no inline styles.
    expect(all('table')).toEqual([]);
    expect(html).not.toContain('style="');
  });

  it('has no link to itself, and keeps the links to manage and leave', async () => {
    const document = parseDocument(await (await t.app.request(links.view)).text());
    const anchors = DomUtils.findAll((e) => e.name === 'a', document.children);
    expect(anchors.filter((a) => (a.attribs.href ?? '').includes('/digests/view'))).toEqual([]);
    expect(anchors.map((a) => DomUtils.textContent(a))).not.toContain('View in browser');
    const labels = anchors.map((a) => DomUtils.textContent(a).trim());
    expect(labels).toContain('Manage preferences');
    expect(labels).toContain('Unsubscribe');
  });

  it('shows the same content as the email: period line, contents line, country and report headings', async () => {
    const email = (await readOutbox(t.deps.config.dataDir)).find((m) => m.to === links.email)!;
    const page = parseDocument(await (await t.app.request(links.view)).text());
    const mail = parseDocument(email.html);
    const texts = (root: typeof page, pick: (e: { name: string; attribs: Record<string, string> }) => boolean) =>
      DomUtils.findAll(pick, root.children).map((e) => DomUtils.textContent(e).replace(/\s+/g, ' ').trim());
    const headings = (root: typeof page) => texts(root, (e) => e.name === 'h2' || e.name === 'h3');
    expect(headings(page)).toEqual(['Kazakhstan', 'Satirist arrested']);
    expect(headings(mail)).toEqual(headings(page));
    const [subtitle] = texts(page, (e) => e.attribs.class === 'lede');
    expect(subtitle).toMatch(/1 report in 1 country/);
    expect(textOf(email.html)).toContain(subtitle);
    expect(textOf(email.html)).toContain('In this monthly digest: Kazakhstan (1)');
    expect(textOf(DomUtils.getOuterHTML(page))).toContain('In this monthly digest: Kazakhstan (1)');
  });

  it("shows the watch flag under the report's title, says once what a watch flag is, and the period as a range of days", async () => {
    const document = parseDocument(await (await t.app.request(links.view)).text());
    const article = DomUtils.findOne((e) => e.name === 'article', document.children, true)!;
    const lines = DomUtils.findAll((e) => e.name === 'h3' || e.name === 'p', article.children).map((e) =>
      DomUtils.textContent(e).replace(/\s+/g, ' ').trim(),
    );
    expect(lines.slice(1, 3)).toEqual(['Satirist arrested', '⚑ Watch flag']);
    const text = textOf(DomUtils.getOuterHTML(document));
    expect(text.match(/keep an eye on/g)).toHaveLength(1);
    expect(text).toContain('1–31 January 2025');
  });

  it('marks a report an instant alert already told the reader about, as the email does', async () => {
    const model = sampleDigestModel();
    const [country] = model.countries;
    const flagged = { ...country!.items[0]!, watchFlag: true, alertedOn: '4 December 2026' };
    const withAlert = { ...model, countries: [{ ...country!, items: [flagged] }] };
    const text = textOf(String(await DigestPage({ model: withAlert }).toString()));
    expect(text).toMatch(/⚑ Watch flag\s*Alerted on 4 December 2026/);
    expect(textOf(renderDigestEmail(withAlert).html)).toContain('Alerted on 4 December 2026');
  });
});
