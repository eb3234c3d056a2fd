import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, hasChromium, launchChromium, type ServedTestApp, serveTestApp, watchedContext } from '../testkit/browser';
import { type SubscriberPageLinks, subscriberWithDigest } from '../testkit/subscriber-pages';

const axeSource: string = createRequire(import.meta.url)('axe-core').source;

const title = hasChromium
  ? `every subscriber page in Chromium (${chromiumPath}): standards mode and 0 axe-core violations`
  : `every subscriber page in Chromium: SKIPPED, no Chromium at ${chromiumPath} (apt-get install chromium)`;

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
  let links: SubscriberPageLinks;
  /** What each page gave: its compatibility mode and axe-core's violations, by page name. */
  const results = new Map<string, { compatMode: string; passes: number; violations: string[] }>();

  beforeAll(async () => {
    [t, browser] = await Promise.all([serveTestApp(), launchChromium()]);
    links = await subscriberWithDigest(t, 'axe');
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
    const compatMode = await page.evaluate(() => document.compatMode);
    results.set(name, {
      compatMode,
      passes,
      violations: violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    });
  }

  const open = (path: string) => page.goto(`${t.origin}${path}`);

  it('visits each page a subscriber can reach', { timeout: 120_000 }, async () => {
    await open('/');
    await check('sign-up');

    // An error the server finds (an unknown time zone): the form comes back with the message beside the field.
    await page.getByLabel('Email address').fill('axe.reader@example.org');
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    await check('sign-up with errors');
    // The page's script ran again and left the reader's time zone alone (the browser's is Europe/Stockholm).
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Mars/Olympus');
    expect(await page.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Time zone').fill('Europe/Oslo');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL((url) => url.pathname === '/check-inbox');
    await check('check your inbox');

    await open(links.confirm);
    await check('confirmed');

    await open(links.manage);
    await check('preferences');
    await page.getByLabel('Time zone').fill('Nowhere/Special');
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
    await check('preferences with errors');
    await page.getByLabel('Time zone').fill('Asia/Almaty');
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await page.getByRole('status').filter({ hasText: 'Your choices are saved' }).waitFor();
    await check('preferences saved');

    await open(links.view);
    await check('digest web view');

    await open(links.unsubscribe);
    await check('unsubscribe');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { level: 1, name: 'You are unsubscribed' }).waitFor();
    await check('unsubscribed (the same link again)');

    await open(links.manage);
    await check('a link that no longer works');
    await open('/preferences/signed-out');
    await check('every link signed out');
  });

  it('renders every page in standards mode (no quirks mode)', () => {
    expect(results.size).toBe(12);
    for (const [name, result] of results) expect(result.compatMode, name).toBe('CSS1Compat');
  });

  it('finds 0 axe-core violations on every page', () => {
    expect(results.size).toBe(12);
    // axe really checked each page: rules passed there (landmarks, labels, contrast...).
    for (const [name, result] of results) expect(result.passes, name).toBeGreaterThan(10);
    expect(Object.fromEntries([...results].map(([name, r]) => [name, r.violations]))).toEqual(
      Object.fromEntries([...results.keys()].map((name) => [name, []])),
    );
  });
});
