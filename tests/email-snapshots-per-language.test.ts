import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstDigest } from '../src/alerts/digest/first-digest';
import { composeInstantAlert } from '../src/alerts/instant/compose';
import type { StoredEventView } from '../src/db/events';
import { type Language, languages, messagesFor } from '../src/i18n';
import { choicesOf } from '../src/subscribers/notices';
import { renderConfirmEmail, renderDigestEmail, renderManageEmail } from '../src/templates';
import { renderInstantEmail } from '../src/templates/instant-email';
import { renderOpenpgpKeyEmail } from '../src/templates/openpgp-key-email';
import { createTestApp, type TestApp } from '../testkit/app';
import { readOutbox } from '../testkit/mailbox';
import { sampleDigestModel } from '../testkit/sample-models';
import { subscriberWithDigest } from '../testkit/subscriber-pages';

const stored = {
  countries: ['KAZ', 'GBR'],
  regions: ['Americas'],
  categories: ['rights', 'rule_of_law'],
  frequency: 'monthly' as const,
  timezone: 'Asia/Almaty',
};
const links = {
  confirm: 'https://alerts.example.org/confirm?token=t',
  manage: 'https://alerts.example.org/preferences?token=m',
  unsubscribe: 'https://alerts.example.org/unsubscribe?token=u',
  site: 'https://alerts.example.org/',
};
const signedUpAt = new Date('2026-12-03T10:00:00Z');

/** Two flagged reports as the store holds them (report texts stay as the source gave them). */
const flagged = new Map(
  [
    // Given in Russian by its source: every reader is told so (none of them reads Russian here).
    {
      id: 'kaz-1',
      country: 'KAZ',
      month: '2026-11',
      title: 'Satirist arrested in Almaty',
      url: 'https://tracker.example.org/kaz-1',
      language: 'ru',
    },
    { id: 'gbr-1', country: 'GBR', month: '2026-12', title: 'Protest law widened', url: null },
  ].map((e) => [e.id, e as unknown as StoredEventView]),
);

/** The emails a reader can get, each from the same stored state, in `language`. */
function notices(language: Language) {
  const choices = choicesOf(stored, language);
  const sample = sampleDigestModel();
  // The first report given in Spanish by its source: English and French readers are told so, Spanish ones are not.
  const digest = {
    ...sample,
    countries: sample.countries.map((c, i) =>
      i === 0 ? { ...c, items: c.items.map((item, j) => (j === 0 ? { ...item, language: 'es' } : item)) } : c,
    ),
  };
  return {
    // The model keeps English names (as composed); the renderer words it in the reader's language.
    digest: renderDigestEmail({ ...digest, language, recipient: { ...digest.recipient, choices } }),
    instant: renderInstantEmail(
      composeInstantAlert({
        email: 'ana@example.org',
        language,
        links,
        items: [...flagged.keys()].map((eventId, index) => ({
          alertId: 1,
          changeId: index + 1,
          eventId,
          type: index === 0 ? ('event.published' as const) : ('event.watch_flag_raised' as const),
          detectedAt: signedUpAt,
        })),
        events: flagged,
      }),
    ),
    confirm: renderConfirmEmail({
      language,
      recipient: { email: 'ana@example.org' },
      choices,
      expiresInDays: 7,
      firstDigest: firstDigest(stored, signedUpAt, language),
      links: { confirm: links.confirm, site: links.site },
    }),
    manage: renderManageEmail({ language, recipient: { email: 'ana@example.org' }, choices, links }),
    openpgp: renderOpenpgpKeyEmail({
      language,
      recipient: { email: 'ana@example.org' },
      fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567',
      expiresInDays: 7,
      links,
    }),
  };
}

describe.each(languages)('notices in %s', (language) => {
  const emails = notices(language);

  it.each(Object.keys(emails) as (keyof typeof emails)[])('%s: subject, text and HTML as recorded', async (kind) => {
    const email = emails[kind];
    await expect(`Subject: ${email.subject}\n\n${email.text}`).toMatchFileSnapshot(`__snapshots__/emails/${kind}.${language}.txt`);
    await expect(email.html).toMatchFileSnapshot(`__snapshots__/emails/${kind}.${language}.html`);
  });

  it.each(Object.keys(emails) as (keyof typeof emails)[])(
    '%s: the HTML declares the language and holds no other language’s words',
    (kind) => {
      const { html, text } = emails[kind];
      expect(html).toContain(`<html lang="${language}"`);
      const t = messagesFor(language).email;
      expect(text).toContain(t.noTracking);
      for (const other of languages.filter((l) => l !== language)) {
        const words = messagesFor(other).email;
        expect(text, other).not.toContain(words.noTracking);
        const title = kind === 'instant' ? words.instant.titleMany : kind === 'digest' ? words.digest.intro : words[kind].title;
        expect(`${text}${html}`, other).not.toContain(title);
      }
    },
  );
});

describe('country names, lists and dates in the language', () => {
  it('Spanish and French name countries from i18n-iso-countries, list with Intl and write dates with Intl', () => {
    const es = notices('es').confirm.text;
    expect(es).toContain('Américas (toda la región), Kazajistán y Reino Unido');
    expect(es).toContain('Derechos y Estado de derecho');
    expect(es).toContain('1 de enero de 2027');
    expect(es).toContain('1-31 de diciembre de 2026');
    const fr = notices('fr').confirm.text;
    expect(fr).toContain('Amériques (toute la région), Kazakhstan et Royaume-Uni');
    expect(fr).toContain('1 janvier 2027');
    expect(fr).toContain('Pays et régions\u00a0:');
    const instant = notices('es').instant;
    expect(instant.subject).toBe('Señales de alerta en 2 informes de Kazajistán y Reino Unido');
    expect(instant.text).toContain('Kazajistán · noviembre de 2026');
    expect(instant.text).toContain('Satirist arrested in Almaty');
    expect(notices('fr').instant.text).toContain('Royaume-Uni · décembre 2026');
    const digest = notices('es').digest;
    expect(digest.text).toContain('Resumen mensual');
    expect(digest.html).toContain('Kazajist&#225;n');
    const context = renderDigestEmail({
      ...sampleDigestModel(),
      language: 'es',
      countryContext: [
        {
          country: 'Kazakhstan',
          type: 'country.ranking_changed',
          changed: [{ field: 'Rights', old: '107/173', new: '101/173' }],
          readAt: '2025-01-20T10:00:00Z',
        },
      ],
    });
    expect(context.text).toContain('CONTEXTO DEL PAÍS');
    expect(context.text).toContain('Kazajistán · Cambió la clasificación · leído el 20 de enero de 2025');
    // The page's own words (field and values) stay as the page gave them.
    expect(context.text).toContain('Rights: 107/173 → 101/173');
    const en = notices('en').confirm.text;
    expect(en).toContain('Americas (whole region), Kazakhstan and United Kingdom');
    expect(en).toContain('1 January 2027');
  });
});

describe('a sign-up sends its notice in the language chosen', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('Spanish chosen (or from Accept-Language): the confirmation is in Spanish, with a Spanish neutral subject kept for encryption', async () => {
    const chosen = await t.call('POST', '/v1/subscriptions', { email: 'ana.es@example.org', countries: ['KAZ'], language: 'es' });
    const browser = await t.call(
      'POST',
      '/v1/subscriptions',
      { email: 'luc.fr@example.org', countries: ['KAZ'] },
      { headers: { 'accept-language': 'fr-BE, en;q=0.5' } },
    );
    expect([chosen.status, browser.status]).toEqual([202, 202]);
    await t.deps.background.idle();
    const outbox = await readOutbox(t.deps.config.dataDir);
    const spanish = outbox.find((m) => m.to === 'ana.es@example.org')!;
    expect(spanish.subject).toBe('Confirme sus alertas de Democracy Tracker');
    expect(spanish.text).toContain('Kazajistán');
    expect(spanish.html).toContain('<html lang="es"');
    const french = outbox.find((m) => m.to === 'luc.fr@example.org')!;
    expect(french.subject).toBe('Confirmez vos alertes Democracy Tracker');
    expect(french.html).toContain('<html lang="fr"');
  });

  it('a Spanish reader gets a Spanish digest, and its web view speaks Spanish', async () => {
    const links = await subscriberWithDigest(t, 'digest-es', 'es');
    const digest = (await readOutbox(t.deps.config.dataDir)).find((m) => m.to === links.email)!;
    expect(digest.html).toContain('<html lang="es"');
    expect(digest.subject).toMatch(/^Democracy Tracker, resumen mensual: enero de 2025 \(1 informe, 1 con señal de alerta\)$/);
    expect(digest.text).toContain('Kazajistán');
    expect(digest.text).toContain('Satirist arrested');
    const page = await (await t.app.request(links.view)).text();
    expect(page).toContain('<html lang="es"');
    expect(page).toContain('Leer el informe');
  });
});
