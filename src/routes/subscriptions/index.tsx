/** @jsxImportSource hono/jsx */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { clientAddress, clientRateLimitKey } from '../../http/client-address';
import { readForm } from '../../http/form';
import { createFormDrafts } from '../../http/form-drafts';
import { requestLanguage } from '../../http/language';
import { messagesFor } from '../../i18n';
import { MessagePage } from '../../pages/layout';
import { SignupPage } from '../../pages/signup';
import type { Deps } from '../../services';
import { preferencesFromForm } from '../../subscribers/preferences';
import { requestSubscription } from '../../subscribers/subscribe';
import { createRouter, json, problemResponse, problemResponses, publicSecurity } from '../router';
import { SubscriptionAcceptedSchema, SubscriptionRequestSchema, subscriptionAccepted } from './schema';
import { signupFormState } from './signup-form';

const subscribeRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions',
  operationId: 'subscribe',
  security: publicSecurity,
  tags: ['Subscribers'],
  summary: 'Sign up for alerts (double opt-in)',
  description:
    'Always answers 202 with the same body, whatever state the address is in. A new or pending address gets a ' +
    'confirmation email; a confirmed one gets a "manage your alerts" email and nothing changes. The sign-up page ' +
    'posts the same fields as an HTML form (application/x-www-form-urlencoded): a valid form is redirected (303) to ' +
    'the page /check-inbox, an invalid one to the sign-up page (303), which shows the input again with each problem beside its ' +
    'field (the input waits in a short-lived encrypted cookie, never in the URL). `language` ' +
    '(en, es or fr) is the language of pages and emails; left out, it comes from Accept-Language (else English). ' +
    'Rate-limited per client address and per email address.',
  request: { body: { required: true, content: { 'application/json': { schema: SubscriptionRequestSchema } } } },
  responses: {
    202: json(SubscriptionAcceptedSchema, 'Accepted; check the inbox'),
    ...problemResponses,
    429: problemResponse('Too many sign-ups from this client or for this address; see Retry-After'),
  },
});

export function subscriptionRoutes(deps: Deps) {
  const router = createRouter();
  const clientOf = (c: Context) => clientRateLimitKey(clientAddress(c, deps.config.trustProxy));
  const drafts = createFormDrafts(deps.appSecret, deps.clock);

  // The sign-up page's form post: same fields, answered with pages instead of JSON.
  router.post('/v1/subscriptions', async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return next();
    const form = await readForm(c);
    const typed = { email: typeof form.email === 'string' ? form.email : '', ...preferencesFromForm(form) };
    const { parsed, shown } = signupFormState(typed, requestLanguage(c));
    // POST-redirect-GET, errors too: the address bar leaves the API path and a reload sends nothing again.
    if (!parsed.success) {
      const draft = drafts.save(c, 'signup', '/', typed);
      // A draft too large for a cookie (hundreds of made-up fields) is answered in place.
      if (!draft) return c.html(<SignupPage {...shown} />, 422);
      // The page comes back in the language the reader chose in the form, if that one is valid.
      return c.redirect(`/?draft=${draft}&lang=${shown.lang}`, 303);
    }
    const { email, ...chosen } = parsed.data;
    const preferences = { ...chosen, language: chosen.language ?? requestLanguage(c) };
    await requestSubscription(deps, { email, preferences, source: 'signup-page', client: clientOf(c) });
    drafts.clear(c, 'signup', '/');
    return c.redirect(`/check-inbox?lang=${preferences.language}`, 303);
  });

  router.get('/check-inbox', (c) => {
    const lang = requestLanguage(c);
    const t = messagesFor(lang).checkInbox;
    return c.html(
      <MessagePage title={t.title} lang={lang} switchPath="/check-inbox">
        <p>{t.sent}</p>
        <p>{t.hint}</p>
      </MessagePage>,
    );
  });

  router.openapi(subscribeRoute, async (c) => {
    const { email, ...chosen } = c.req.valid('json');
    const preferences = { ...chosen, language: chosen.language ?? requestLanguage(c) };
    await requestSubscription(deps, { email, preferences, source: 'api', client: clientOf(c) });
    return c.json(subscriptionAccepted, 202);
  });
  return router;
}
