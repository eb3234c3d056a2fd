import { DomUtils, parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { createTestApp, type TestApp } from '../testkit/app';
import { type SubscriberPageLinks, subscriberWithDigest } from '../testkit/subscriber-pages';

let t: TestApp;
let spanish: SubscriberPageLinks;
let french: SubscriberPageLinks;
let ip = 0;
beforeAll(async () => {
  t = await createTestApp();
  spanish = await subscriberWithDigest(t, 'lang-es', 'es');
  french = await subscriberWithDigest(t, 'lang-fr', 'fr');
});
afterAll(() => t.close());

const nextIp = () => `198.51.100.${++ip}`;

const get = (path: string, acceptLanguage?: string) =>
  t.app.request(path, { headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} });

const formPost = (path: string, fields: [string, string][], acceptLanguage?: string) =>
  t.app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'http://localhost',
      'x-forwarded-for': nextIp(),
      ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });

const json = (method: string, path: string, body: unknown, acceptLanguage?: string) =>
  t.app.request(path, {
    method,
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': nextIp(),
      ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}),
    },
    body: JSON.stringify(body),
  });

async function page(res: Response) {
  const document = parseDocument(await res.text());
  const one = (test: (e: { name: string; attribs: Record<string, string> }) => boolean) =>
    DomUtils.findOne((e) => test(e), document.children, true);
  const html = one((e) => e.name === 'html');
  const h1 = one((e) => e.name === 'h1');
  const select = one((e) => e.name === 'select' && e.attribs.id === 'language');
  const selectedLanguage = select
    ? DomUtils.findOne((e) => e.name === 'option' && e.attribs.selected !== undefined, select.children, true)
    : null;
  return {
    lang: html?.attribs.lang,
    h1: h1 ? DomUtils.textContent(h1).trim() : undefined,
    text: DomUtils.textContent(document).replace(/\s+/g, ' '),
    selectedLanguage: selectedLanguage?.attribs.value,
    byId: (id: string) => one((e) => e.attribs.id === id),
  };
}

const stored = async (email: string) => (await findSubscriberByEmail(t.deps.db, email))?.language;

describe('the sign-up page', () => {
  it('speaks the browser language (Accept-Language, q-values and regional variants honoured), English otherwise', async () => {
    expect(await page(await get('/'))).toMatchObject({ lang: 'en', h1: 'Create your alerts', selectedLanguage: 'en' });
    expect(await page(await get('/', 'es-MX,es;q=0.9,en;q=0.5'))).toMatchObject({
      lang: 'es',
      h1: 'Cree sus alertas',
      selectedLanguage: 'es',
    });
    expect(await page(await get('/', 'de-DE, fr;q=0.8, en;q=0.7'))).toMatchObject({ lang: 'fr', h1: 'Créez vos alertes' });
    expect(await page(await get('/', 'de, ja'))).toMatchObject({ lang: 'en' });
    expect(await page(await get('/', 'fr;q=0.2, es;q=0.9'))).toMatchObject({ lang: 'es' });
  });

  it('switches language with its links (?lang=), whatever the browser says', async () => {
    const french = await page(await get('/?lang=fr', 'es'));
    expect(french).toMatchObject({ lang: 'fr', h1: 'Créez vos alertes', selectedLanguage: 'fr' });
    expect(french.text).toContain('Español');
  });

  it('names countries, regions and categories in the language (country names from i18n-iso-countries), lists with Intl', async () => {
    const es = (await page(await get('/?lang=es'))).text;
    expect(es).toContain('Kazajistán');
    expect(es).toContain('Reino Unido');
    expect(es).toContain('Toda la región: Europa');
    expect(es).toContain('Estado de derecho');
    // Intl's Spanish list writes "e" before a word starting with an "i" sound.
    expect(es).toContain('Libertades civiles, Bienestar básico e Igualdad política');
    expect(es).toContain('Participación electoral');
    expect(es).toContain('Sociedad civil, Compromiso cívico y Participación electoral');
    const fr = (await page(await get('/?lang=fr'))).text;
    expect(fr).toContain('Kazakhstan');
    expect(fr).toContain('Royaume-Uni');
    expect(fr).toContain('Afrique');
    expect(fr).toContain('Libertés civiles, Bien-être de base et Égalité politique');
  });
});

describe('choosing the language at sign-up', () => {
  it('takes Accept-Language when the form names none, and the page after it speaks it', async () => {
    const res = await formPost('/v1/subscriptions', [['email', 'browser-es@example.org']], 'es-AR,es;q=0.9');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/check-inbox?lang=es');
    expect(await stored('browser-es@example.org')).toBe('es');
    expect(await page(await get(res.headers.get('location')!))).toMatchObject({ lang: 'es', h1: 'Revise su bandeja de entrada' });
  });

  it('keeps the language chosen in the form over the browser', async () => {
    const res = await formPost('/v1/subscriptions', [
      ['email', 'chosen-fr@example.org'],
      ['language', 'fr'],
    ]);
    expect(res.status).toBe(303);
    expect(await stored('chosen-fr@example.org')).toBe('fr');
  });

  it('refuses an unknown language beside its field, in words, and stores nothing', async () => {
    const res = await formPost(
      '/v1/subscriptions',
      [
        ['email', 'klingon@example.org'],
        ['language', 'tlh'],
      ],
      'es',
    );
    // POST-redirect-GET: the page after the redirect (with the draft's cookie) shows the error, in the browser's language.
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const p = await page(await t.app.request(res.headers.get('location')!, { headers: { cookie, 'accept-language': 'es' } }));
    expect(p.lang).toBe('es');
    expect(p.byId('language')?.attribs['aria-invalid']).toBe('true');
    expect(p.byId('language-error')).toBeDefined();
    expect(p.text).toContain('“tlh” no es un idioma en el que escribamos.');
    expect(await stored('klingon@example.org')).toBeUndefined();
  });

  it('through the API: language or Accept-Language, and an unknown code is a 422 naming the field', async () => {
    expect((await json('POST', '/v1/subscriptions', { email: 'api-fr@example.org' }, 'fr-CA')).status).toBe(202);
    expect(await stored('api-fr@example.org')).toBe('fr');
    expect((await json('POST', '/v1/subscriptions', { email: 'api-es@example.org', language: 'es' }, 'fr')).status).toBe(202);
    expect(await stored('api-es@example.org')).toBe('es');
    expect((await json('POST', '/v1/subscriptions', { email: 'api-none@example.org' })).status).toBe(202);
    expect(await stored('api-none@example.org')).toBe('en');

    const refused = await json('POST', '/v1/subscriptions', { email: 'api-xx@example.org', language: 'xx' });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const body = (await refused.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors.map((e) => e.path)).toEqual(['language']);
    expect(await stored('api-xx@example.org')).toBeUndefined();
  });
});

describe('subscriber pages speak the reader’s language', () => {
  it('the preference centre, confirm, unsubscribe and key pages set lang and are written in it', async () => {
    expect(await page(await get(spanish.manage, 'en'))).toMatchObject({ lang: 'es', h1: 'Sus alertas', selectedLanguage: 'es' });
    expect(await page(await get(french.manage, 'en'))).toMatchObject({ lang: 'fr', h1: 'Vos alertes', selectedLanguage: 'fr' });
    const confirmed = await page(await get(spanish.confirm));
    expect(confirmed).toMatchObject({ lang: 'es', h1: 'Sus alertas están confirmadas' });
    expect(confirmed.text).toMatch(
      /Su resumen mensual llega el primer día de cada mes\.|Su primer resumen mensual llega el \d+ de \p{L}+ de \d{4}/u,
    );
    expect(await page(await get(french.unsubscribe))).toMatchObject({ lang: 'fr', h1: 'Arrêter vos alertes\u00a0?' });
    const key = await page(await get(spanish.manage.replace('/preferences?', '/preferences/openpgp?')));
    expect(key).toMatchObject({ lang: 'es', h1: 'Correo cifrado (OpenPGP)' });
  });

  it('a bad link answers in the browser language', async () => {
    const res = await get('/preferences?token=nonsense', 'fr-FR');
    expect(res.status).toBe(400);
    expect(await page(res)).toMatchObject({ lang: 'fr', h1: 'Ce lien ne fonctionne pas' });
  });

  it('formats numbers with Intl for the language', async () => {
    const manage = await page(await get(spanish.manage));
    // Every country region is counted ("54 países") and the volume note's figures are numbers of the language.
    expect(manage.text).toMatch(/\d+ países/);
    expect(manage.text).toContain('Qué esperar');
  });
});

describe('changing the language in the preference centre', () => {
  it('on the page: saved, and the page then speaks the new language', async () => {
    const links = await subscriberWithDigest(t, 'lang-switch', 'es');
    const query = new URL(links.manage, 'http://x').search;
    const res = await formPost(`/preferences${query}`, [
      ['countries', 'KAZ'],
      ['language', 'fr'],
      ['timezone', 'UTC'],
    ]);
    expect(res.status).toBe(303);
    expect(await stored(links.email)).toBe('fr');
    const after = await page(await get(res.headers.get('location')!));
    expect(after).toMatchObject({ lang: 'fr', h1: 'Vos alertes', selectedLanguage: 'fr' });
    expect(after.text).toContain('Vos choix sont enregistrés.');
  });

  it('in JSON: PUT sets it, leaving it out keeps it, an unknown code is a 422 naming the field and changes nothing', async () => {
    const links = await subscriberWithDigest(t, 'lang-json', 'en');
    const token = new URL(links.manage, 'http://x').searchParams.get('token')!;
    const path = `/v1/preferences?token=${encodeURIComponent(token)}`;
    const put = await json('PUT', path, { countries: ['KAZ'], language: 'es' });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { preferences: { language: string } }).preferences.language).toBe('es');

    const kept = await json('PUT', path, { countries: ['KAZ', 'GEO'] });
    expect(((await kept.json()) as { preferences: { language: string } }).preferences.language).toBe('es');

    const refused = await json('PUT', path, { countries: ['ARM'], language: 'Spanish' });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['language']);
    const row = await findSubscriberByEmail(t.deps.db, links.email);
    expect(row).toMatchObject({ language: 'es', countries: ['GEO', 'KAZ'] });

    const read = await t.app.request(path);
    expect(((await read.json()) as { preferences: { language: string } }).preferences.language).toBe('es');
  });
});
