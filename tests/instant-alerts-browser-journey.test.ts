import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../testkit/app';
import { chromiumPath, hasChromium, launchChromium, type ServedTestApp, serveTestApp, watchedContext } from '../testkit/browser';
import { sampleEvent } from '../testkit/events';
import { linkTo, readOutbox } from '../testkit/outbox';

const EMAIL = 'grace.hopper@example.org';
const expectHeading = (page: Page, text: string) => page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor();

describe.skipIf(!hasChromium)(`instant watch-flag alerts, a reader's journey in Chromium (${chromiumPath})`, () => {
  let t: ServedTestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [t, browser] = await Promise.all([serveTestApp(), launchChromium()]);
    ({ page } = await watchedContext(browser, t.origin, { timezoneId: 'Asia/Almaty', locale: 'en-GB' }));
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs up after an error, confirms, turns instant alerts on, gets one when a flag is raised, and unsubscribes from it', {
    timeout: 120_000,
  }, async () => {
    // --- Sign-up with an error: the reader's input comes back, the field is marked.
    await page.goto(`${t.origin}/`);
    await expectHeading(page, 'Create your alerts');
    expect(await page.getByRole('heading', { name: 'What to expect' }).isVisible()).toBe(true);
    await page.getByLabel('Email address').fill(EMAIL);
    await page.locator('summary', { hasText: /^\s*Asia\b/ }).click();
    await page.getByRole('checkbox', { name: 'Kazakhstan', exact: true }).check();
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.locator('#timezone[aria-invalid="true"]').waitFor();
    expect(await page.getByLabel('Email address').inputValue()).toBe(EMAIL);
    // POST-redirect-GET: the address bar is back on the sign-up page, and names no address.
    expect(new URL(page.url()).pathname).toBe('/');
    expect(decodeURIComponent(page.url())).not.toContain(EMAIL);
    await page.getByLabel('Time zone').fill('Asia/Almaty');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expectHeading(page, 'Check your inbox');

    // --- Confirm from the outbox.
    await t.deps.background.idle();
    const [confirmation] = await readOutbox(t.deps.config.dataDir);
    await page.goto(linkTo(confirmation!, '/confirm').href);
    await expectHeading(page, 'Your alerts are confirmed');

    // --- Preference centre: turn instant alerts on.
    await page.getByRole('link', { name: 'Change your choices' }).click();
    await expectHeading(page, 'Your alerts');
    const instant = page.getByRole('checkbox', { name: /Also email me when a watch flag is raised/ });
    expect(await instant.isChecked()).toBe(false);
    await instant.check();
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await page.getByRole('status').filter({ hasText: 'Your choices are saved' }).waitFor();
    expect(await instant.isChecked()).toBe(true);
    expect(await page.locator('#expected-volume').isVisible()).toBe(true);

    // --- A flag is raised in Kazakhstan: the alert arrives at once.
    const report = sampleEvent({
      country: 'KAZ',
      watchFlag: true,
      title: 'Opposition newspaper closed',
      url: 'https://www.idea.int/r/kaz-9',
    });
    const ingest = await fetch(`${t.origin}/v1/admin/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [report] }),
    });
    expect(ingest.status).toBe(200);
    await t.deps.webhookPump.idle();
    await t.deps.instantPump.idle();
    const alert = (await readOutbox(t.deps.config.dataDir)).find((m) => m.email.subject?.startsWith('Watch flag'));
    expect(alert?.email.subject).toBe('Watch flag: Kazakhstan, Opposition newspaper closed');
    expect(alert!.email.text).toContain('A watch flag means');
    expect(alert!.email.headers.find((h) => h.key === 'list-unsubscribe')?.value).toMatch(
      /^<http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=/,
    );

    // --- The alert's "Turn off instant alerts" link opens the preference centre; its unsubscribe link the masked page.
    await page.goto(linkTo(alert!, '/preferences').href);
    await expectHeading(page, 'Your alerts');
    expect(await instant.isChecked()).toBe(true);
    await page.goto(linkTo(alert!, '/unsubscribe').href);
    await expectHeading(page, 'Stop your alerts?');
    expect(await page.locator('.lede').textContent()).toContain('g***@example.org');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expectHeading(page, 'You are unsubscribed');
    expect(await t.deps.db.selectFrom('subscribers').select('id').where('email', '=', EMAIL).execute()).toEqual([]);
  });
});
