/** @jsxImportSource hono/jsx */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { firstDigestSentence } from '../../alerts/digest/first-digest';
import { type DigestKey, findDigestModel } from '../../db/digests';
import { retireSubscriberLinks } from '../../db/subscribers';
import { readForm } from '../../http/form';
import { createFormDrafts, isFormRecord } from '../../http/form-drafts';
import { requestLanguage } from '../../http/language';
import { messagesFor } from '../../i18n';
import { type AssetName, assets } from '../../pages/assets';
import { DigestPage } from '../../pages/digest-page';
import { type FieldErrors, fieldErrorsOf } from '../../pages/form-errors';
import { MessagePage } from '../../pages/layout';
import { typedPreferences } from '../../pages/preference-fields';
import { PreferencesPage } from '../../pages/preferences';
import { defaultPreferences, SignupPage } from '../../pages/signup';
import type { Deps } from '../../services';
import { expectedVolume } from '../../subscribers/expected-volume';
import { subscriberLinks } from '../../subscribers/links';
import { confirmSubscription, savePreferences } from '../../subscribers/manage';
import { preferencesFromForm, preferencesOf, preferencesSchema } from '../../subscribers/preferences';
import { subscriberFromToken } from '../../subscribers/token-subscriber';
import type { DigestModel } from '../../templates/models';
import { createRouter, publicSecurity } from '../router';
import { signupFormState } from '../subscriptions/signup-form';
import { badLinkPage, draftParam, html, tokenQuery } from './shared';
import { addUnsubscribePages } from './unsubscribe';

const pageRoutes = {
  signup: createRoute({
    method: 'get',
    path: '/',
    operationId: 'showSignupPage',
    security: publicSecurity,
    tags: ['Pages'],
    summary: 'Sign-up page',
    request: { query: z.object({ draft: draftParam }) },
    responses: { 200: html('The form (after a post with errors: the input, and each error beside its field)') },
  }),
  confirm: createRoute({
    method: 'get',
    path: '/confirm',
    operationId: 'confirmSubscription',
    security: publicSecurity,
    tags: ['Pages'],
    summary: 'Confirm a sign-up (double opt-in)',
    request: { query: tokenQuery },
    responses: { 200: html('Confirmed'), 400: html('Bad or expired link') },
  }),
  preferences: createRoute({
    method: 'get',
    path: '/preferences',
    operationId: 'showPreferencesPage',
    security: publicSecurity,
    tags: ['Pages'],
    summary: 'Preference centre',
    request: { query: tokenQuery.extend({ draft: draftParam }) },
    responses: { 200: html('The choices form'), 400: html('Bad link') },
  }),
  viewDigest: createRoute({
    method: 'get',
    path: '/digests/view',
    operationId: 'viewDigest',
    security: publicSecurity,
    tags: ['Pages'],
    summary: 'A sent digest in the browser (its "view in browser" link)',
    request: { query: tokenQuery },
    responses: { 200: html('The digest'), 400: html('Bad link') },
  }),
};

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The digest a web-view link's ref names: its public id, or the row id links signed before
 * migration 0021 carry. Signed by us, yet anything else must still not reach SQL (as NaN or as
 * a malformed uuid).
 */
function digestKeyOf(ref: string | undefined): DigestKey | undefined {
  if (ref && uuidShape.test(ref)) return { publicId: ref };
  const id = Number(ref);
  return /^[1-9][0-9]*$/.test(ref ?? '') && Number.isSafeInteger(id) ? { id } : undefined;
}

/** Server-rendered pages for subscribers: work without JavaScript, strict CSP, CSRF-checked forms. */
export function pageRoutesFor(deps: Deps) {
  const router = createRouter();
  const securePages = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
  });
  for (const path of [
    '/',
    '/check-inbox',
    '/confirm',
    '/preferences',
    '/preferences/*',
    '/unsubscribe',
    '/unsubscribe/*',
    '/assets/*',
    '/v1/subscriptions',
  ])
    router.use(path, securePages);
  // Form posts must come from our own pages; the one-click unsubscribe comes from mail
  // providers without an Origin and is protected by its token instead.
  router.use('/preferences', csrf());
  router.use('/preferences/sign-out', csrf());
  router.use('/v1/subscriptions', csrf());

  const badLink = badLinkPage;
  const drafts = createFormDrafts(deps.appSecret, deps.clock);

  router.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    // Own keys only: `constructor` or `__proto__` must not find Object's.
    if (!Object.hasOwn(assets, name)) return c.notFound();
    const asset = assets[name as AssetName];
    return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=31536000, immutable' });
  });

  router.openapi(pageRoutes.signup, async (c) => {
    const lang = requestLanguage(c);
    const volume = await expectedVolume(deps, defaultPreferences);
    const draft = drafts.read(c, 'signup', c.req.valid('query').draft);
    if (!isFormRecord(draft)) return c.html(<SignupPage lang={lang} volume={volume} />);
    return c.html(<SignupPage volume={volume} {...signupFormState(draft, lang).shown} />);
  });

  router.openapi(pageRoutes.confirm, async (c) => {
    const found = await subscriberFromToken(deps, deps.db, c.req.valid('query').token, 'confirm');
    if (!found.ok) return badLink(c, found.problem);
    const confirmedAt = (await confirmSubscription(deps, found.subscriber.id)) ?? deps.clock.now();
    const links = subscriberLinks(deps, found.subscriber);
    const lang = found.subscriber.language;
    const t = messagesFor(lang).confirmed;
    return c.html(
      <MessagePage title={t.title} lang={lang}>
        <p>
          {t.thanks} {firstDigestSentence(found.subscriber, confirmedAt, deps.clock.now())}
        </p>
        <p>
          <a href={links.manage()}>{t.manage}</a> {t.manageRest}
        </p>
      </MessagePage>,
    );
  });

  const preferencesPage = async (
    c: Context,
    subscriber: Parameters<typeof preferencesOf>[0],
    token: string,
    extra: { saved?: boolean; errors?: FieldErrors; typed?: ReturnType<typeof typedPreferences>; status?: 200 | 422 } = {},
  ) =>
    c.html(
      <PreferencesPage
        lang={subscriber.language}
        email={subscriber.email}
        value={extra.typed ?? preferencesOf(subscriber)}
        token={token}
        unsubscribeUrl={subscriberLinks(deps, subscriber).unsubscribe()}
        saved={extra.saved}
        errors={extra.errors}
        exportUrl={subscriberLinks(deps, subscriber).exportData()}
        volume={await expectedVolume(deps, preferencesOf(subscriber))}
      />,
      extra.status ?? 200,
    );

  router.openapi(pageRoutes.preferences, async (c) => {
    const token = c.req.valid('query').token ?? '';
    const found = await subscriberFromToken(deps, deps.db, token, 'manage');
    if (!found.ok) return badLink(c, found.problem);
    const draft = drafts.read(c, 'preferences', c.req.valid('query').draft);
    // The draft of a post with errors, if it was this subscriber's.
    if (isFormRecord(draft) && draft.subscriber === found.subscriber.public_id && isFormRecord(draft.fields)) {
      const parsed = preferencesSchema.safeParse(draft.fields);
      const errors = parsed.success ? undefined : fieldErrorsOf(parsed.error, draft.fields, found.subscriber.language);
      return preferencesPage(c, found.subscriber, token, { errors, typed: typedPreferences(draft.fields) });
    }
    return preferencesPage(c, found.subscriber, token, { saved: c.req.query('saved') === '1' });
  });

  router.post('/preferences', async (c) => {
    const token = c.req.query('token') ?? '';
    const found = await subscriberFromToken(deps, deps.db, token, 'manage');
    if (!found.ok) return badLink(c, found.problem);
    const fields = preferencesFromForm(await readForm(c));
    const parsed = preferencesSchema.safeParse(fields);
    if (!parsed.success) {
      const draft = drafts.save(c, 'preferences', '/preferences', { subscriber: found.subscriber.public_id, fields });
      if (draft) return c.redirect(`/preferences?token=${encodeURIComponent(token)}&draft=${draft}`, 303);
      const errors = fieldErrorsOf(parsed.error, fields, found.subscriber.language);
      return preferencesPage(c, found.subscriber, token, { errors, typed: typedPreferences(fields), status: 422 });
    }
    await savePreferences(deps, found.subscriber.id, parsed.data);
    drafts.clear(c, 'preferences', '/preferences');
    return c.redirect(`/preferences?token=${encodeURIComponent(token)}&saved=1`, 303);
  });

  // "Sign out every link I was sent": a forwarded or leaked email stops giving access.
  router.post('/preferences/sign-out', async (c) => {
    const token = c.req.query('token') ?? '';
    const found = await subscriberFromToken(deps, deps.db, token, 'manage');
    if (!found.ok) return badLink(c, found.problem);
    await retireSubscriberLinks(deps.db, found.subscriber.id, found.subscriber.token_version, deps.clock.now());
    return c.redirect(`/preferences/signed-out?lang=${found.subscriber.language}`, 303);
  });

  // Every link is retired, so the page cannot know whose it is: the language comes with the redirect.
  router.get('/preferences/signed-out', (c) => {
    const lang = requestLanguage(c);
    const t = messagesFor(lang).signedOut;
    return c.html(
      <MessagePage title={t.title} lang={lang}>
        <p>{t.text}</p>
        <p>
          {t.againBefore} <a href={lang === 'en' ? '/' : `/?lang=${lang}`}>{t.againLink}</a>
          {t.againAfter}
        </p>
      </MessagePage>,
    );
  });

  // The web version of a sent digest: a page of the site with the email's content.
  router.openapi(pageRoutes.viewDigest, async (c) => {
    const found = await subscriberFromToken(deps, deps.db, c.req.valid('query').token, 'view');
    if (!found.ok) return badLink(c, found.problem);
    const digest = digestKeyOf(found.claims.ref);
    if (!digest) return badLink(c, 'malformed');
    const model = await findDigestModel(deps.db, digest, found.subscriber.id);
    if (!model) return badLink(c, 'no-longer-valid');
    // A page of the site (its stylesheet), with nothing else: no scripts, no forms.
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Robots-Tag', 'noindex');
    return c.html(<DigestPage model={model as DigestModel} />);
  });

  addUnsubscribePages(router, deps);
  return router;
}
