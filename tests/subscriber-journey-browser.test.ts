import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumPath,
  hasChromium,
  launchChromium,
  type PageWatch,
  type ServedTestApp,
  serveTestApp,
  unlabelledInputs,
  watchedContext,
} from '../testkit/browser';
import { linkTo, readOutbox } from '../testkit/outbox';
import { projectRoot } from '../testkit/process';

/** Screenshots for a person to review; the folder is git-ignored. */
const artifacts = join(projectRoot, 'tests', 'artifacts');
const EMAIL = 'ada.lovelace@example.org';
/** The browser's time zone: the sign-up page's script copies it into the form... */
const BROWSER_TIME_ZONE = 'Europe/Stockholm';
/** ...and the one the subscriber types instead, which the preference page must keep. */
const CHOSEN_TIME_ZONE = 'Asia/Almaty';

/** Waits (up to the page's timeout) for the page's h1 to read exactly `text`. */
const expectHeading = (page: Page, text: string) => page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor();

const title = hasChromium
  ? `a subscriber's journey in a real browser (Chromium at ${chromiumPath})`
  : `a subscriber's journey in a real browser: SKIPPED, no Chromium at ${chromiumPath} (apt-get install chromium)`;

describe.skipIf(!hasChromium)(title, () => {
  let t: ServedTestApp;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  /** Whether the preference page showed the whole-region choice "All of Europe" without a click. */
  let chosenRegionShown: boolean | undefined;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    [t, browser] = await Promise.all([serveTestApp(), launchChromium()]);
    ({ page, watch } = await watchedContext(browser, t.origin, {
      timezoneId: BROWSER_TIME_ZONE,
      locale: 'en-GB',
      viewport: { width: 1280, height: 900 },
    }));
    page.setDefaultTimeout(15_000); // generous: CI machines run other test files at the same time
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Each page: only our own origin was asked for, nothing complained, every input has a label. */
  async function expectCleanPage(allowedProblems: RegExp[] = []) {
    expect(watch.external()).toEqual([]);
    expect(watch.problems.filter((p) => !allowedProblems.some((re) => re.test(p)))).toEqual([]);
    expect(await unlabelledInputs(page)).toEqual([]);
  }

  it('signs up on GET /, confirms from the outbox, changes the choices and unsubscribes', { timeout: 60_000 }, async () => {
    // --- Sign-up page
    const signup = await page.goto(`${t.origin}/`);
    expect(signup?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expectHeading(page, 'Create your alerts');
    const search = page.getByLabel('Find a country');
    await search.waitFor({ state: 'visible' }); // the script ran: the search box is revealed
    expect(await page.getByLabel('Time zone').inputValue()).toBe(BROWSER_TIME_ZONE);
    await page.screenshot({ path: join(artifacts, 'signup-page.png'), fullPage: true });
    await expectCleanPage();
    // The stylesheet and the script were loaded from our origin, under CSP.
    expect(watch.requests.some((url) => url.includes('/assets/style.css'))).toBe(true);
    expect(watch.requests.some((url) => url.includes('/assets/signup.js'))).toBe(true);

    // Keyboard: the first Tab reaches the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');

    await page.getByLabel('Email address').fill(EMAIL);
    // Country search: typing narrows the list to Kazakhstan and opens its region.
    await search.fill('kazak');
    const kazakhstan = page.getByRole('checkbox', { name: 'Kazakhstan', exact: true });
    await kazakhstan.waitFor({ state: 'visible' });
    expect(await page.getByRole('checkbox', { name: 'France', exact: true }).isVisible()).toBe(false);
    await kazakhstan.check();
    await search.fill('');
    // The whole of Europe: open its group, tick "All of Europe".
    await page.locator('summary', { hasText: /^\s*Europe\b/ }).click();
    await page.getByRole('checkbox', { name: 'All of Europe' }).check();
    await page.getByRole('checkbox', { name: /^Rights\b/ }).check();
    await page.getByRole('radio', { name: /^Weekly/ }).check();
    await page.getByLabel('Time zone').fill(CHOSEN_TIME_ZONE);
    await page.getByRole('button', { name: 'Sign up' }).click();

    await expectHeading(page, 'Check your inbox');
    // POST-redirect-GET: the address bar shows the page, not the API path the form posted to.
    expect(new URL(page.url()).pathname).toBe('/check-inbox');
    await expectCleanPage();

    // --- The confirmation email, read from the outbox like a mail client would
    await t.deps.background.idle();
    const outbox = await readOutbox(t.deps.config.dataDir);
    expect(outbox).toHaveLength(1);
    const [confirmation] = outbox;
    expect(confirmation!.email.to?.map((to) => ('address' in to ? to.address : to.name))).toEqual([EMAIL]);
    expect(confirmation!.email.text).toBeTruthy();
    expect(confirmation!.email.html).toBeTruthy();
    const confirmUrl = linkTo(confirmation!, '/confirm');
    expect(confirmUrl.origin).toBe(t.origin);
    // The text and HTML parts carry the same confirm link.
    expect(confirmation!.email.text).toContain(confirmUrl.href);

    const stored = await t.deps.db.selectFrom('subscribers').selectAll().where('email', '=', EMAIL).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      status: 'pending',
      countries: ['KAZ'],
      regions: ['Europe'],
      categories: ['rights'],
      frequency: 'weekly',
      timezone: CHOSEN_TIME_ZONE,
      skip_empty: false,
      consent_source: 'signup-page',
    });

    // --- Confirm
    await page.goto(confirmUrl.href);
    await expectHeading(page, 'Your alerts are confirmed');
    expect(await page.locator('main').textContent()).toContain('confirmed');
    await expectCleanPage();
    expect((await t.deps.db.selectFrom('subscribers').select('status').where('email', '=', EMAIL).executeTakeFirstOrThrow()).status).toBe(
      'confirmed',
    );

    // --- Preference centre: what was chosen is shown ticked
    await page.getByRole('link', { name: 'Change your choices' }).click();
    await page.waitForURL((url) => url.pathname === '/preferences');
    const manageUrl = new URL(page.url());
    await expectHeading(page, 'Your alerts');
    expect(await page.locator('.lede').textContent()).toContain(EMAIL);
    // By value, not by role: a region chosen whole sits in a collapsed <details> (see below).
    const europe = page.locator('input[name="regions"][value="Europe"]');
    const participation = page.getByRole('checkbox', { name: /^Participation\b/ });
    expect(await page.getByRole('checkbox', { name: 'Kazakhstan', exact: true }).isChecked()).toBe(true);
    expect(await europe.isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /^Rights\b/ }).isChecked()).toBe(true);
    expect(await participation.isChecked()).toBe(false);
    expect(await page.getByRole('radio', { name: /^Weekly/ }).isChecked()).toBe(true);
    // The stored zone, not the browser's: only the sign-up page guesses it.
    expect(await page.getByLabel('Time zone').inputValue()).toBe(CHOSEN_TIME_ZONE);
    await expectCleanPage();
    chosenRegionShown = await europe.isVisible();

    // Untick Europe, tick Participation, monthly, save.
    if (!(await europe.isVisible())) await page.locator('summary', { hasText: /^\s*Europe\b/ }).click();
    await europe.uncheck();
    await participation.check();
    await page.getByRole('radio', { name: /^Monthly/ }).check();
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await page.getByRole('status').filter({ hasText: 'Your choices are saved' }).waitFor();
    expect(new URL(page.url()).searchParams.get('saved')).toBe('1');
    await page.screenshot({ path: join(artifacts, 'preferences-page.png'), fullPage: true });
    await expectCleanPage();

    // The page shows the new state...
    expect(await europe.isChecked()).toBe(false);
    expect(await participation.isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: /^Monthly/ }).isChecked()).toBe(true);
    // ...and so does the JSON API, with the same manage token.
    const api = await fetch(`${t.origin}/v1/preferences?token=${encodeURIComponent(manageUrl.searchParams.get('token')!)}`);
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({
      email: EMAIL,
      status: 'confirmed',
      preferences: {
        countries: ['KAZ'],
        regions: [],
        categories: ['rights', 'participation'],
        frequency: 'monthly',
        timezone: CHOSEN_TIME_ZONE,
        skipEmpty: false,
        instantAlerts: false,
        neutralSubjects: false,
        countryContext: false,
        // The browser's Accept-Language (en-GB) chose it at sign-up.
        language: 'en',
      },
      exportUrl: expect.stringContaining('/v1/preferences/export?token='),
      openpgp: { fingerprint: null, pendingFingerprint: null },
    });

    // --- Unsubscribe: the link on the page shows one button; pressing it ends everything
    await page.getByRole('link', { name: 'Unsubscribe' }).click();
    await expectHeading(page, 'Stop your alerts?');
    expect(await t.deps.db.selectFrom('subscribers').select('id').where('email', '=', EMAIL).execute()).toHaveLength(1); // a GET changes nothing
    await expectCleanPage();
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expectHeading(page, 'You are unsubscribed');
    await expectCleanPage();
    expect(await t.deps.db.selectFrom('subscribers').select('id').where('email', '=', EMAIL).execute()).toEqual([]);

    // The old manage link now says it does not work (a 400 page, which Chromium logs).
    const gone = await page.goto(manageUrl.href);
    expect(gone?.status()).toBe(400);
    await expectHeading(page, 'This link does not work');
    expect(await page.getByRole('alert').textContent()).toContain('no longer works');
    await expectCleanPage([/status of 400/]);

    // Nothing left the machine during the whole journey.
    expect(watch.requests.length).toBeGreaterThan(10);
    expect(watch.requests.filter((url) => !url.startsWith(`${t.origin}/`))).toEqual([]);
  });
  it('works without JavaScript: the form posts, the search box stays hidden, the time zone defaults to UTC', {
    timeout: 30_000,
  }, async () => {
    const {
      context,
      page: plain,
      watch: plainWatch,
    } = await watchedContext(browser, t.origin, { javaScriptEnabled: false, timezoneId: BROWSER_TIME_ZONE });
    plain.setDefaultTimeout(15_000);
    try {
      await plain.goto(`${t.origin}/`);
      expect(await plain.getByLabel('Find a country').isVisible()).toBe(false);
      expect(await plain.getByLabel('Time zone').inputValue()).toBe('UTC');
      await plain.getByLabel('Email address').fill('grace.hopper@example.org');
      await plain.locator('summary', { hasText: /^\s*Asia\b/ }).click();
      await plain.getByRole('checkbox', { name: 'Kazakhstan', exact: true }).check();
      await plain.getByRole('button', { name: 'Sign up' }).click();
      await expectHeading(plain, 'Check your inbox');
      expect(plainWatch.external()).toEqual([]);
      expect(plainWatch.problems).toEqual([]);
      const row = await t.deps.db
        .selectFrom('subscribers')
        .selectAll()
        .where('email', '=', 'grace.hopper@example.org')
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'pending', countries: ['KAZ'], regions: [], timezone: 'UTC', frequency: 'monthly' });
    } finally {
      await context.close();
    }
  });

  // A region chosen whole ("All of Europe") must be visible on the preference page, not hidden in a collapsed group.
  it('shows a region chosen whole on the preference page without a click', () => {
    expect(chosenRegionShown).toBe(true);
  });
});
