/** @jsxImportSource hono/jsx */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { clientAddress, clientRateLimitKey } from '../../http/client-address';
import { readForm } from '../../http/form';
import { requestLanguage } from '../../http/language';
import { messagesFor } from '../../i18n';
import { fieldErrorsOf } from '../../pages/form-errors';
import { MessagePage } from '../../pages/layout';
import { typedPreferences } from '../../pages/preference-fields';
import { SignupPage } from '../../pages/signup';
import type { Deps } from '../../services';
import { preferencesFromForm } from '../../subscribers/preferences';
import { requestSubscription } from '../../subscribers/subscribe';
import { createRouter, json, problemResponse, problemResponses, publicSecurity } from '../router';
import { SubscriptionAcceptedSchema, SubscriptionRequestSchema, subscriptionAccepted } from './schema';

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
    'the page /check-inbox, an invalid one gets the form again (422) with each problem beside its field. `language` ' +
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

  // The sign-up page's form post: same fields, answered with pages instead of JSON.
  router.post('/v1/subscriptions', async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return next();
    const form = await readForm(c);
    const email = typeof form.email === 'string' ? form.email : '';
    const fields = preferencesFromForm(form);
    const parsed = SubscriptionRequestSchema.safeParse({ email, ...fields });
    if (!parsed.success) {
      // The page comes back in the language the reader chose in the form, if that one is valid.
      const lang = typedPreferences(fields).language ?? requestLanguage(c);
      const errors = fieldErrorsOf(parsed.error, { email, ...fields }, lang);
      return c.html(<SignupPage lang={lang} errors={errors} email={email} value={typedPreferences(fields)} />, 422);
    }
    const { email: address, ...chosen } = parsed.data;
    const preferences = { ...chosen, language: chosen.language ?? requestLanguage(c) };
    await requestSubscription(deps, { email: address, preferences, source: 'signup-page', client: clientOf(c) });
    // POST-redirect-GET: the address bar leaves the API path and a reload sends nothing again.
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
