/** @jsxImportSource hono/jsx */
import { createRoute } from '@hono/zod-openapi';
import { csrf } from 'hono/csrf';
import { readForm } from '../../http/form';
import { requestLanguage } from '../../http/language';
import { maskEmail } from '../../pages/mask-email';
import { UnsubscribedPage, UnsubscribePage } from '../../pages/unsubscribe';
import type { Deps } from '../../services';
import { subscriberLinks } from '../../subscribers/links';
import { savePreferences, unsubscribe } from '../../subscribers/manage';
import { preferencesOf } from '../../subscribers/preferences';
import { subscriberFromToken } from '../../subscribers/token-subscriber';
import { type createRouter, publicSecurity } from '../router';
import { badLinkPage, html, tokenQuery } from './shared';

const routes = {
  page: createRoute({
    method: 'get',
    path: '/unsubscribe',
    operationId: 'showUnsubscribePage',
    security: publicSecurity,
    tags: ['Pages'],
    summary: 'Unsubscribe page: the address masked, "fewer emails" beside "stop", or "already done" (a GET never unsubscribes)',
    request: { query: tokenQuery },
    responses: { 200: html('The choices, or the already-unsubscribed state'), 400: html('Bad link') },
  }),
  oneClick: createRoute({
    method: 'post',
    path: '/unsubscribe',
    operationId: 'unsubscribeOneClick',
    security: publicSecurity,
    tags: ['Pages'],
    summary: 'Unsubscribe (RFC 8058 one-click: body List-Unsubscribe=One-Click); answers 200, never a redirect',
    request: { query: tokenQuery },
    responses: { 200: html('Unsubscribed'), 400: html('Bad link') },
  }),
};

type PagesRouter = ReturnType<typeof createRouter>;

/**
 * The unsubscribe link's pages. Mail providers POST the link itself (one-click, no Origin,
 * answered 200); the page's own buttons post to sub-paths (CSRF-checked) and are redirected
 * back to the page (POST-redirect-GET), which then shows the new state.
 */
export function addUnsubscribePages(router: PagesRouter, deps: Deps) {
  router.use('/unsubscribe/stop', csrf());
  router.use('/unsubscribe/fewer', csrf());
  const backToPage = (token: string, extra = '') => `/unsubscribe?token=${encodeURIComponent(token)}${extra}`;

  router.openapi(routes.page, async (c) => {
    const token = c.req.valid('query').token ?? '';
    const found = await subscriberFromToken(deps, deps.db, token, 'unsubscribe');
    // A genuine link whose subscriber is gone: they left (or were removed), nothing is sent any more.
    if (!found.ok)
      return found.problem === 'no-longer-valid' ? c.html(<UnsubscribedPage lang={requestLanguage(c)} />) : badLinkPage(c, found.problem);
    return c.html(
      <UnsubscribePage
        lang={found.subscriber.language}
        token={token}
        maskedEmail={maskEmail(found.subscriber.email)}
        frequency={found.subscriber.frequency}
        manageUrl={subscriberLinks(deps, found.subscriber).manage()}
        changed={c.req.query('changed') === 'monthly' ? 'monthly' : undefined}
      />,
    );
  });

  router.openapi(routes.oneClick, async (c) => {
    const found = await subscriberFromToken(deps, deps.db, c.req.valid('query').token, 'unsubscribe');
    // A link of a subscriber already gone answers as a success: leaving twice is still leaving.
    if (!found.ok && found.problem !== 'no-longer-valid') return badLinkPage(c, found.problem);
    if (found.ok) await unsubscribe(deps, found.subscriber.id);
    return c.html(<UnsubscribedPage lang={found.ok ? found.subscriber.language : requestLanguage(c)} />);
  });

  router.post('/unsubscribe/stop', async (c) => {
    const token = c.req.query('token') ?? '';
    const found = await subscriberFromToken(deps, deps.db, token, 'unsubscribe');
    if (!found.ok && found.problem !== 'no-longer-valid') return badLinkPage(c, found.problem);
    if (found.ok) await unsubscribe(deps, found.subscriber.id);
    // The subscriber is gone after this: the page that follows learns their language from the redirect.
    return c.redirect(backToPage(token, found.ok ? `&lang=${found.subscriber.language}` : ''), 303);
  });

  // "Fewer emails": monthly instead of weekly, everything else kept.
  router.post('/unsubscribe/fewer', async (c) => {
    const token = c.req.query('token') ?? '';
    const found = await subscriberFromToken(deps, deps.db, token, 'unsubscribe');
    if (!found.ok) return badLinkPage(c, found.problem);
    const form = await readForm(c);
    if (form.frequency !== 'monthly') return c.redirect(backToPage(token), 303);
    await savePreferences(deps, found.subscriber.id, { ...preferencesOf(found.subscriber), frequency: 'monthly' });
    return c.redirect(backToPage(token, '&changed=monthly'), 303);
  });
}
