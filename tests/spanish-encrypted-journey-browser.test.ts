import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { chromiumPath, hasChromium, launchChromium, type ServedTestApp, serveTestApp, watchedContext } from '../testkit/browser';
import { sampleEvent } from '../testkit/events';
import { type GnupgHome, gnupgHome } from '../testkit/gnupg';

const title = hasChromium
  ? `a reader in Spanish, in Chromium (${chromiumPath}): sign up, confirm, add an OpenPGP key, receive an encrypted digest GnuPG decrypts`
  : `a reader in Spanish, in Chromium: SKIPPED, no Chromium at ${chromiumPath} (apt-get install chromium)`;

const READER = 'lectora@example.org';

describe.skipIf(!hasChromium)(title, () => {
  let t: ServedTestApp;
  let browser: Browser;
  let page: Page;
  let gpg: GnupgHome;

  beforeAll(async () => {
    [t, browser] = await Promise.all([serveTestApp(), launchChromium()]);
    gpg = gnupgHome();
    // The browser asks for Spanish: nothing else tells the service which language to use.
    ({ page } = await watchedContext(browser, t.origin, { locale: 'es-ES', timezoneId: 'Europe/Madrid' }));
    page.setDefaultTimeout(20_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    gpg?.close();
    await t?.close();
  });

  /** The raw .eml files the outbox wrote to the reader, oldest first. */
  const rawMail = () => {
    const dir = join(t.deps.config.dataDir, 'outbox');
    return readdirSync(dir)
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .filter((eml) => new RegExp(`^To: ${READER}\\r?$`, 'm').test(eml));
  };
  const outerSubject = (eml: string) => /^Subject: (.*)$/im.exec(eml.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' '))?.[1]?.trim();
  const local = (url: string) => url.replace(t.origin, '');

  it('goes through the whole journey in Spanish, and GnuPG decrypts a Spanish digest', { timeout: 180_000 }, async () => {
    // The service checks keys at its clock's time: the key made now must already be valid there.
    const key = gpg.generate(READER);
    t.clock.set(new Date(Date.now() + 1000));

    // Sign up: the page speaks Spanish from Accept-Language.
    await page.goto(`${t.origin}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('es');
    await page.getByLabel('Correo electrónico').fill(READER);
    await page.getByRole('group', { name: 'Países' }).getByText('Asia (', { exact: false }).click();
    await page.getByLabel('Kazajistán').check();
    await page.getByRole('button', { name: 'Suscribirme' }).click();
    await page.getByRole('heading', { level: 1, name: 'Revise su bandeja de entrada' }).waitFor();
    expect((await findSubscriberByEmail(t.deps.db, READER))?.language).toBe('es');

    // Confirm, from the Spanish confirmation email.
    await t.deps.background.idle();
    const confirmation = await PostalMime.parse(rawMail()[0]!);
    expect(confirmation.subject).toBe('Confirme sus alertas de Democracy Tracker');
    expect(confirmation.text).toContain('Kazajistán');
    const confirmLink = /http:\/\/127\.0\.0\.1:\d+\/confirm\?token=[A-Za-z0-9._~%-]+/.exec(confirmation.text ?? '')![0];
    await page.goto(confirmLink);
    await page.getByRole('heading', { level: 1, name: 'Sus alertas están confirmadas' }).waitFor();

    // Add the key, from the preference centre.
    await page.getByRole('link', { name: 'Cambie sus opciones' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sus alertas' }).waitFor();
    await page.getByRole('link', { name: 'Cifre cada correo con su clave OpenPGP' }).click();
    await page.getByLabel('Su clave pública').fill(key.publicKey);
    await page.getByRole('button', { name: 'Enviar la confirmación cifrada' }).click();
    await page.getByRole('status').filter({ hasText: 'Le enviamos una confirmación cifrada' }).waitFor();

    // The key's confirmation is encrypted to it; only GnuPG with the key reads its link.
    await t.deps.background.idle();
    const keyMail = rawMail().at(-1)!;
    expect(outerSubject(keyMail)).toBe('Un mensaje sobre sus alertas');
    const keyConfirmation = await PostalMime.parse(gpg.decryptEmail(keyMail));
    expect(keyConfirmation.subject).toBe('Confirme el correo cifrado de sus alertas de Democracy Tracker');
    const keyLink = /http:\/\/127\.0\.0\.1:\d+\/openpgp\/confirm\?token=[A-Za-z0-9._~%-]+/.exec(keyConfirmation.text ?? '')![0];
    await page.goto(`${t.origin}${local(keyLink)}`);
    await page.getByRole('heading', { level: 1, name: 'Su correo ahora va cifrado' }).waitFor();

    // A report, then the digest of the period: encrypted, neutral outside, Spanish inside.
    const event = sampleEvent({ id: 'es-kaz', country: 'KAZ', categories: ['rights'], factors: [], title: 'Satirist arrested in Almaty' });
    expect((await t.call('POST', '/v1/admin/events', { events: [event] }, { admin: true })).status).toBe(200);
    const now = t.clock.now();
    const due = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 12));
    const before = rawMail();
    const run = await t.call('POST', '/v1/admin/digests/run', { now: due.toISOString() }, { admin: true });
    expect(await run.json()).toMatchObject({ sent: 1, failed: 0 });
    await t.deps.background.idle();
    const [digestMail] = rawMail().filter((eml) => !before.includes(eml));
    // The outer subject names nothing (and is MIME-encoded: "actualización"), read as a mail client does.
    expect((await PostalMime.parse(digestMail!)).subject).toBe('Su actualización mensual');
    expect(digestMail).not.toContain('Satirist');
    expect(digestMail).not.toContain('Kazaj');
    const digest = await PostalMime.parse(gpg.decryptEmail(digestMail!));
    expect(digest.subject).toMatch(/^Democracy Tracker, resumen mensual: /);
    expect(digest.text).toContain('Kazajistán');
    expect(digest.text).toContain('Satirist arrested in Almaty');
    expect(digest.text).toContain('Leer el informe');
    expect(digest.html).toContain('<html lang="es"');
  });
});
