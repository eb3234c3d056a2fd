import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languages, messagesFor } from '../src/i18n';
import { chromiumPath, hasChromium, launchChromium, type ServedTestApp, serveTestApp, watchedContext } from '../testkit/browser';
import { type SubscriberPageLinks, subscriberWithDigest } from '../testkit/subscriber-pages';

const axeSource: string = createRequire(import.meta.url)('axe-core').source;

const title = hasChromium
  ? `every subscriber page in Chromium (${chromiumPath}), in each language: standards mode and 0 axe-core violations`
  : `every subscriber page in Chromium, in each language: SKIPPED, no Chromium at ${chromiumPath} (apt-get install chromium)`;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

describe.skipIf(!hasChromium)(title, () => {
  let t: ServedTestApp;
  let browser: Browser;
  let page: Page;
  const links = new Map<string, SubscriberPageLinks>();
  /** What each page gave: its language, compatibility mode and axe-core's violations, by language and page name. */
  const results = new Map<string, { lang: string; compatMode: string; passes: number; violations: string[] }>();

  beforeAll(async () => {
    [t, browser] = await Promise.all([serveTestApp(), launchChromium()]);
    for (const language of languages) links.set(language, await subscriberWithDigest(t, `axe-${language}`, language));
    // The pages' CSP allows only our own scripts; axe-core is injected by the test, not the page.
    ({ page } = await watchedContext(browser, t.origin, { bypassCSP: true, locale: 'en-GB', timezoneId: 'Europe/Stockholm' }));
    page.setDefaultTimeout(20_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Every rule axe-core runs by default (WCAG 2.x A and AA, and best practices) on the page as it is now. */
  async function check(name: string) {
    await page.evaluate(axeSource);
    const { violations, passes } = (await page.evaluate(() =>
      (window as unknown as { axe: { run: () => Promise<{ violations: unknown[]; passes: unknown[] }> } }).axe
        .run()
        .then((r) => ({ violations: r.violations, passes: r.passes.length })),
    )) as { violations: AxeViolation[]; passes: number };
    const [compatMode, lang] = await page.evaluate(() => [document.compatMode, document.documentElement.lang]);
    results.set(name, {
      lang: lang ?? '',
      compatMode,
      passes,
      violations: violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    });
  }

  const open = (path: string) => page.goto(`${t.origin}${path}`);

  it.each(languages)('visits each page a subscriber can reach, in %s', { timeout: 180_000 }, async (language) => {
    const t_ = messagesFor(language);
    const own = links.get(language)!;
    const check_ = (name: string) => check(`${language} ${name}`);
    await open(`/?lang=${language}`);
    await check_('sign-up');

    // An error the server finds (an unknown time zone): the form comes back with the message beside the field.
    await page.getByLabel(t_.signup.email).fill(`axe.reader.${language}@example.org`);
    await page.getByLabel(t_.fields.timezone, { exact: true }).fill('Mars/Olympus');
    await page.getByRole('button', { name: t_.signup.submit }).click();
    await page.getByRole('heading', { name: t_.errors.one }).waitFor();
    await check_('sign-up with errors');
    // The page's script ran again and left the reader's time zone alone (the browser's is Europe/Stockholm).
    expect(await page.getByLabel(t_.fields.timezone, { exact: true }).inputValue()).toBe('Mars/Olympus');
    expect(await page.getByLabel(t_.fields.timezone, { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel(t_.fields.timezone, { exact: true }).fill('Europe/Oslo');
    await page.getByRole('button', { name: t_.signup.submit }).click();
    await page.waitForURL((url) => url.pathname === '/check-inbox');
    await check_('check your inbox');

    await open(own.confirm);
    await check_('confirmed');

    await open(own.manage);
    await check_('preferences');
    await page.getByLabel(t_.fields.timezone, { exact: true }).fill('Nowhere/Special');
    await page.getByRole('button', { name: t_.preferences.submit }).click();
    await page.getByRole('heading', { name: t_.errors.one }).waitFor();
    await check_('preferences with errors');
    await page.getByLabel(t_.fields.timezone, { exact: true }).fill('Asia/Almaty');
    await page.getByRole('button', { name: t_.preferences.submit }).click();
    await page.getByRole('status').filter({ hasText: t_.preferences.saved }).waitFor();
    await check_('preferences saved');

    await open(own.manage.replace('/preferences?', '/preferences/openpgp?'));
    await check_('encrypted email (OpenPGP key)');

    await open(own.view);
    await check_('digest web view');

    await open(own.unsubscribe);
    await check_('unsubscribe');
    await page.getByRole('button', { name: t_.unsubscribe.stopButton, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: t_.unsubscribe.doneTitle }).waitFor();
    await check_('unsubscribed (the same link again)');

    // Whose link it was is unknown now: the page speaks the browser's language, or the one in the address.
    await open(`${own.manage}&lang=${language}`);
    await check_('a link that no longer works');
    await open(`/preferences/signed-out?lang=${language}`);
    await check_('every link signed out');
  });

  const pagesPerLanguage = 13;

  it("sets each page's lang to the language it is written in", () => {
    expect(results.size).toBe(pagesPerLanguage * languages.length);
    // The digest web view speaks the language the digest was written in: the reader's.
    for (const [name, result] of results) expect(result.lang, name).toBe(name.slice(0, 2));
  });

  it('renders every page in standards mode (no quirks mode)', () => {
    expect(results.size).toBe(pagesPerLanguage * languages.length);
    for (const [name, result] of results) expect(result.compatMode, name).toBe('CSS1Compat');
  });

  it('finds 0 axe-core violations on every page', () => {
    expect(results.size).toBe(pagesPerLanguage * languages.length);
    // axe really checked each page: rules passed there (landmarks, labels, contrast...).
    for (const [name, result] of results) expect(result.passes, name).toBeGreaterThan(10);
    expect(Object.fromEntries([...results].map(([name, r]) => [name, r.violations]))).toEqual(
      Object.fromEntries([...results.keys()].map((name) => [name, []])),
    );
  });
});
