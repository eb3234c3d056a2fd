/** @jsxImportSource hono/jsx */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { csrf } from 'hono/csrf';
import { findSubscriber } from '../../db/subscribers';
import { MAX_ARMORED_KEY_CHARS } from '../../email/openpgp-key';
import { readForm } from '../../http/form';
import { createFormDrafts, isFormRecord } from '../../http/form-drafts';
import { type Language, messagesFor } from '../../i18n';
import { MessagePage } from '../../pages/layout';
import { OpenpgpKeyPage } from '../../pages/openpgp-key';
import type { Deps } from '../../services';
import { subscriberLinks } from '../../subscribers/links';
import { confirmKey, keyStatusOf, type OfferRefusal, offerKey, removeKey } from '../../subscribers/openpgp';
import { subscriberFromToken } from '../../subscribers/token-subscriber';
import { badLinkPage } from '../pages/shared';
import { createRouter, publicSecurity } from '../router';

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const tokenQuery = z.object({
  token: z
    .string()
    .max(2048)
    .optional()
    .openapi({ param: { name: 'token', in: 'query' } }),
});

const keyPageRoute = createRoute({
  method: 'get',
  operationId: 'openpgpKeyPage',
  path: '/preferences/openpgp',
  tags: ['Pages'],
  summary: 'Encrypted email: the key in use, and the form to add, replace or remove it',
  security: publicSecurity,
  request: { query: tokenQuery },
  responses: { 200: html('The page'), 400: html('Bad link') },
});

const confirmRoute = createRoute({
  method: 'get',
  operationId: 'confirmOpenpgpKey',
  path: '/openpgp/confirm',
  tags: ['Pages'],
  summary: 'Confirm a new OpenPGP key (the link of the confirmation encrypted to it)',
  security: publicSecurity,
  request: { query: tokenQuery },
  responses: { 200: html('Confirmed'), 400: html('Bad or expired link') },
});

/** The key's pages: work without JavaScript, CSRF-checked forms, POST-redirect-GET. */
export function openpgpPageRoutes(deps: Deps) {
  const router = createRouter();
  router.use('/preferences/openpgp', csrf());
  router.use('/preferences/openpgp/remove', csrf());

  const badLink = badLinkPage;
  const drafts = createFormDrafts(deps.appSecret, deps.clock);
  const refusalText = (reason: OfferRefusal, lang: Language) => {
    const refusals = messagesFor(lang).openpgp.refusals;
    return reason === 'too-large' ? refusals['too-large'](String(MAX_ARMORED_KEY_CHARS / 1024)) : refusals[reason];
  };
  const manageOf = async (c: Context) => {
    const token = c.req.query('token') ?? '';
    return { token, found: await subscriberFromToken(deps, deps.db, token, 'manage') };
  };
  const page = (
    c: Context,
    token: string,
    subscriber: Parameters<typeof keyStatusOf>[0],
    extra: { notice?: 'sent' | 'removed'; error?: string; typed?: string } = {},
    status: 200 | 422 = 200,
  ) =>
    c.html(
      <OpenpgpKeyPage
        lang={subscriber.language}
        email={subscriber.email}
        token={token}
        status={keyStatusOf(subscriber)}
        manageUrl={`/preferences?token=${encodeURIComponent(token)}`}
        {...extra}
      />,
      status,
    );
  const back = (token: string, notice: string) => `/preferences/openpgp?token=${encodeURIComponent(token)}&done=${notice}`;

  router.openapi(keyPageRoute, async (c) => {
    const { token, found } = await manageOf(c);
    if (!found.ok) return badLink(c, found.problem);
    // The draft of a refused key, if it was this subscriber's: why, beside the field, with what they pasted.
    const draft = drafts.read(c, 'openpgp', c.req.query('draft'));
    const refusals = messagesFor(found.subscriber.language).openpgp.refusals;
    if (
      isFormRecord(draft) &&
      draft.subscriber === found.subscriber.public_id &&
      typeof draft.reason === 'string' &&
      Object.hasOwn(refusals, draft.reason)
    ) {
      const reason = draft.reason as OfferRefusal;
      const typed = typeof draft.typed === 'string' ? draft.typed : '';
      return page(c, token, found.subscriber, { error: refusalText(reason, found.subscriber.language), typed });
    }
    const done = c.req.query('done');
    return page(c, token, found.subscriber, done === 'sent' || done === 'removed' ? { notice: done } : {});
  });

  router.post('/preferences/openpgp', async (c) => {
    const { token, found } = await manageOf(c);
    if (!found.ok) return badLink(c, found.problem);
    const form = await readForm(c);
    const pasted = typeof form.publicKey === 'string' ? form.publicKey : '';
    const offered = await offerKey(deps, found.subscriber, pasted);
    if (!offered.ok) {
      // A secret key pasted by mistake is not shown again (nor kept anywhere).
      const typed = offered.reason === 'secret-key' || offered.reason === 'too-large' ? '' : pasted;
      const draft = drafts.save(c, 'openpgp', '/preferences/openpgp', {
        subscriber: found.subscriber.public_id,
        reason: offered.reason,
        typed,
      });
      if (draft) return c.redirect(`/preferences/openpgp?token=${encodeURIComponent(token)}&draft=${draft}`, 303);
      // A key too long for a cookie (an RSA-4096 key's armour is about 3 kB) is answered in place.
      return page(c, token, found.subscriber, { error: refusalText(offered.reason, found.subscriber.language), typed }, 422);
    }
    drafts.clear(c, 'openpgp', '/preferences/openpgp');
    return c.redirect(back(token, 'sent'), 303);
  });

  router.post('/preferences/openpgp/remove', async (c) => {
    const { token, found } = await manageOf(c);
    if (!found.ok) return badLink(c, found.problem);
    await removeKey(deps, found.subscriber);
    return c.redirect(back(token, 'removed'), 303);
  });

  router.openapi(confirmRoute, async (c) => {
    const found = await subscriberFromToken(deps, deps.db, c.req.valid('query').token, 'openpgp');
    if (!found.ok) return badLink(c, found.problem);
    const outcome = await confirmKey(deps, found.subscriber, found.claims.ref ?? '');
    const lang = found.subscriber.language;
    const t = messagesFor(lang).openpgp;
    if (outcome === 'not-pending') {
      return c.html(
        <MessagePage title={t.notPendingTitle} lang={lang} tone="error">
          <p>{t.notPending}</p>
        </MessagePage>,
        400,
      );
    }
    const subscriber = (await findSubscriber(deps.db, found.subscriber.id)) ?? found.subscriber;
    return c.html(
      <MessagePage title={t.confirmedTitle} lang={lang}>
        <p>{t.confirmed}</p>
        <p>
          <a href={subscriberLinks(deps, subscriber).manage()}>{t.preferences}</a>
        </p>
      </MessagePage>,
    );
  });
  return router;
}
