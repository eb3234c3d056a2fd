import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, type ServedTestApp, serveTestApp, watchedContext } from '../testkit/browser';

let t: ServedTestApp;
let browser: Browser;

describe.skipIf(!hasChromium)('/docs offline, in Chromium with every outside request blocked', () => {
  beforeAll(async () => {
    t = await serveTestApp();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists the operations from the installed viewer, asks no other origin, and breaks no policy', { timeout: 180_000 }, async () => {
    const { context, page, watch } = await watchedContext(browser, t.origin);
    try {
      const res = await page.goto(`${t.origin}/docs`);
      expect(res?.status()).toBe(200);
      // The viewer lists the document's tags; opening one lists its operations by their summaries.
      const events = page.getByText('Open Group - Events').first();
      await events.waitFor({ timeout: 90_000 });
      await events.click();
      await page.getByText('The public change feed', { exact: false }).first().waitFor({ timeout: 30_000 });
      await page.getByText('Current events, newest month first', { exact: false }).first().waitFor({ timeout: 30_000 });
      expect(watch.external()).toEqual([]);
      const scripts = watch.requests.filter((url) => url.includes('/docs/assets/'));
      expect(scripts).toEqual([expect.stringMatching(/\/docs\/assets\/scalar-api-reference-\d+\.\d+\.\d+-[0-9a-f]{16}\.js$/)]);
      expect(watch.problems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
