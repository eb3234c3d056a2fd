/** @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { eventTypeCatalogue } from '../../alerts/webhooks/event-types';
import { checkWebhookUrl } from '../../alerts/webhooks/http/safe-url';
import { newDeliveryId, pingBody } from '../../alerts/webhooks/payload';
import { firstSecret, rotateSecrets } from '../../alerts/webhooks/secrets';
import { sendToEndpoint } from '../../alerts/webhooks/send';
import { openSigningKeys } from '../../alerts/webhooks/signing-keys';
import { findIntegrator } from '../../db/integrators';
import { findDelivery, listDeliveries, requeueDelivery } from '../../db/webhook-deliveries';
import { type EndpointRow, findEndpoint, insertEndpoint, listEndpoints, lockEndpoint, updateEndpoint } from '../../db/webhook-endpoints';
import { readForm } from '../../http/form';
import { createFormDrafts, isFormRecord } from '../../http/form-drafts';
import { createPortalTokens, PORTAL_SESSION_TTL_MS } from '../../http/portal-tokens';
import {
  type EndpointFormErrors,
  type EndpointFormField,
  EndpointPage,
  EventTypesPage,
  emptyEndpoint,
  type PortalEndpoint,
  PortalHomePage,
  PortalMessagePage,
  type ReplayForm,
} from '../../pages/portal';
import type { Deps } from '../../services';
import { replayChanges } from '../webhooks/replay';
import { WebhookEndpointCreateSchema } from '../webhooks/schema';
import { type PortalDraft, portalDraftOf } from './drafts';

const COOKIE = 'portal_session';

const view = (row: EndpointRow): PortalEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  types: row.types,
  countries: row.countries,
  categories: row.categories,
  signatures: row.signature_schemes,
  rateLimit: row.rate_limit === null ? '' : String(row.rate_limit),
  enabled: row.enabled,
  disabledReason: row.disabled_reason,
});

const list = (value: unknown) =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');
const commaList = (value: unknown) =>
  list(value)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

const unauthorized = (c: Context, title: string, detail: string) =>
  c.html(
    <PortalMessagePage title={title}>
      <p>{detail}</p>
    </PortalMessagePage>,
    401,
  );

const notFound = (c: Context) =>
  c.html(
    <PortalMessagePage title="Not found">
      <p>
        There is no such endpoint or delivery in your portal. <a href="/portal">Back to your endpoints</a>
      </p>
    </PortalMessagePage>,
    404,
  );

type PortalEnv = { Variables: { integratorId: string; integratorName: string } };

/**
 * The consumer portal: server-rendered, works without JavaScript, reached through a signed
 * short-lived link (POST /v1/portal-links) that starts a one-hour session cookie for one
 * integrator. Every endpoint it reaches is that integrator's; anything else is "not found".
 */
export function portalRoutes(deps: Deps) {
  const tokens = createPortalTokens(deps.appSecret);
  const { db, clock } = deps;
  const router = new Hono<PortalEnv>();
  router.use(
    '/portal/*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
    }),
  );
  // Form posts must come from our own pages (Origin checked); the cookie is SameSite=Strict too.
  router.use('/portal/*', csrf());
  router.use('/portal/*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    const token = c.req.path === '/portal' ? c.req.query('token') : undefined;
    if (token !== undefined) {
      const link = tokens.verify('link', token, clock.now());
      if (!link.ok) {
        return link.reason === 'expired'
          ? unauthorized(c, 'This portal link has expired', 'Portal links work for 15 minutes. Ask for a new one.')
          : unauthorized(c, 'This portal link is not valid', 'Check that the whole link was copied, or ask for a new one.');
      }
      const expiresAt = new Date(clock.now().getTime() + PORTAL_SESSION_TTL_MS);
      setCookie(c, COOKIE, tokens.sign('session', link.integratorId, expiresAt), {
        path: '/portal',
        httpOnly: true,
        sameSite: 'Strict',
        secure: deps.config.publicBaseUrl.startsWith('https:'),
        maxAge: PORTAL_SESSION_TTL_MS / 1000, // relative: the browser's clock need not agree with ours
      });
      return c.redirect('/portal', 303); // the token leaves the address bar and the history
    }
    const session = tokens.verify('session', getCookie(c, COOKIE), clock.now());
    if (!session.ok) {
      return session.reason === 'expired'
        ? unauthorized(c, 'Your portal session has ended', 'Sessions last an hour. Open a new portal link.')
        : unauthorized(c, 'Open the portal through a portal link', 'Ask the operator, or use your API key: POST /v1/portal-links.');
    }
    const integrator = await findIntegrator(db, session.integratorId);
    if (!integrator) return unauthorized(c, 'This portal is closed', 'The integrator no longer exists.');
    c.set('integratorId', integrator.id);
    c.set('integratorName', integrator.name);
    await next();
  });

  const owned = async (c: Context<PortalEnv>) => {
    const endpoint = await findEndpoint(db, c.req.param('id') ?? '');
    return endpoint && endpoint.integrator_id === c.get('integratorId') ? endpoint : undefined;
  };

  /** The posted form checked with the API's own schema and URL policy: a value and its errors, by field. */
  async function endpointForm(c: Context<PortalEnv>, base: PortalEndpoint) {
    const form = await readForm(c);
    const posted: PortalEndpoint = {
      ...base,
      url: typeof form.url === 'string' ? form.url.trim() : '',
      description: typeof form.description === 'string' && form.description.trim() ? form.description.trim() : null,
      types: list(form.types),
      countries: commaList(form.countries).map((v) => v.toUpperCase()),
      categories: commaList(form.categories),
      signatures: list(form.signatures),
      rateLimit: typeof form.rateLimit === 'string' ? form.rateLimit.trim() : '',
      enabled: form.enabled === 'on',
    };
    const errors: EndpointFormErrors = {};
    const parsed = WebhookEndpointCreateSchema.safeParse({
      url: posted.url,
      types: posted.types,
      countries: posted.countries,
      categories: posted.categories,
      signatures: posted.signatures,
      rateLimit: posted.rateLimit === '' ? null : /^\d{1,6}$/.test(posted.rateLimit) ? Number(posted.rateLimit) : Number.NaN,
      ...(posted.description ? { description: posted.description } : {}),
    });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0]) as EndpointFormField;
        errors[field] ??=
          field === 'signatures'
            ? 'Choose at least one signature scheme.'
            : field === 'rateLimit'
              ? `${posted.rateLimit}: enter a whole number of deliveries per second from 1 to 1000, or leave it empty.`
              : field === 'url'
                ? 'Enter the URL of your endpoint.'
                : `${posted[field] ?? ''}: ${issue.message}`.replace(/^: /, '');
      }
    }
    if (!errors.url && posted.url) {
      const check = await checkWebhookUrl(posted.url, {
        allowPrivateNetworks: deps.config.webhookAllowPrivateNetworks,
        allowedPorts: deps.config.webhookAllowedPorts,
        resolve: deps.webhookHttp.resolve,
      });
      if (!check.ok) errors.url = `We cannot deliver to this URL: ${check.reason}.`;
      else posted.url = check.url.href;
    }
    return { posted, errors, parsed: parsed.success ? parsed.data : undefined };
  }

  const drafts = createFormDrafts(deps.appSecret, clock);
  const endpointPath = (id: string) => `/portal/endpoints/${id}`;

  /**
   * POST-redirect-GET for an action whose answer must be seen once (a new secret, a test's
   * result): it waits, encrypted, in a short-lived cookie for the endpoint's page, never in the URL.
   * Only when it is too large for a cookie is the page answered in place (and the endpoint read for it).
   */
  async function redirectShowingOnce(c: Context<PortalEnv>, endpointId: string, shown: { notice?: string; secret?: string }) {
    const id = drafts.save(c, 'portal-result', endpointPath(endpointId), shown);
    return id ? c.redirect(`${endpointPath(endpointId)}?shown=${id}`, 303) : endpointPage(c, (await findEndpoint(db, endpointId))!, shown);
  }

  /** The form whose draft waits for a page: the add form's on /portal, an endpoint's forms' on its page. */
  const draftForm = (endpoint: string) =>
    endpoint ? { form: 'portal-endpoint', path: endpointPath(endpoint) } : { form: 'portal-add', path: '/portal' };

  /**
   * POST-redirect-GET for a form with errors: the input and the errors wait in the draft cookie
   * for the page, which shows them beside their fields (a reload shows them again). A draft too
   * large for a cookie (a very long URL) is answered in place by `inPlace`, with a 422.
   */
  function redirectWithErrors(c: Context<PortalEnv>, draft: PortalDraft, inPlace: () => Promise<Response> | Response) {
    const { form, path } = draftForm(draft.endpoint);
    const id = drafts.save(c, form, path, draft);
    return id ? c.redirect(`${path}?draft=${id}`, 303) : inPlace();
  }

  /** The draft of this page's forms the request's `draft` names, if it is this integrator's and this page's. */
  function draftOf(c: Context<PortalEnv>, endpoint: string, base: PortalEndpoint) {
    const { form } = draftForm(endpoint);
    return portalDraftOf(drafts.read(c, form, c.req.query('draft')), { integrator: c.get('integratorId'), endpoint }, base);
  }

  const clearDraft = (c: Context<PortalEnv>, endpoint: string) => {
    const { form, path } = draftForm(endpoint);
    drafts.clear(c, form, path);
  };

  const homePage = async (c: Context<PortalEnv>, form: PortalEndpoint, errors: EndpointFormErrors, status: 200 | 422 = 200) => {
    const endpoints = await listEndpoints(db, c.get('integratorId'));
    return c.html(
      <PortalHomePage integrator={c.get('integratorName')} endpoints={endpoints.map(view)} form={form} errors={errors} />,
      status,
    );
  };

  /** What the last action left to show on this page; read once, so a reload does not show a secret again. */
  function shownOnce(c: Context<PortalEnv>, endpointId: string): { notice?: string; secret?: string } {
    const kept = drafts.read(c, 'portal-result', c.req.query('shown'));
    if (!isFormRecord(kept)) return {};
    drafts.clear(c, 'portal-result', endpointPath(endpointId));
    return {
      ...(typeof kept.notice === 'string' ? { notice: kept.notice } : {}),
      ...(typeof kept.secret === 'string' ? { secret: kept.secret } : {}),
    };
  }

  async function endpointPage(
    c: Context<PortalEnv>,
    endpoint: EndpointRow,
    extra: Partial<Parameters<typeof EndpointPage>[0]> = {},
    status: 200 | 422 = 200,
  ) {
    const rows = await listDeliveries(db, { endpointId: endpoint.id, limit: 20 });
    const deliveries = rows.map((d) => ({
      id: d.id,
      type: d.type,
      status: d.status,
      nextAttemptAt: d.status === 'pending' ? d.next_attempt_at.toISOString() : null,
      attempts: d.attempts_log.map((a) => ({
        at: a.attempted_at.toISOString(),
        statusCode: a.status_code,
        latencyMs: a.latency_ms,
        error: a.error,
        excerpt: a.response_excerpt ? a.response_excerpt.slice(0, 200) : null,
      })),
    }));
    const notices: Record<string, string> = {
      saved: 'Your changes are saved.',
      added: 'The endpoint is added.',
      tested: 'A test event was sent: see its result below.',
      retried: 'The delivery is queued again with the same webhook-id.',
      replayed: 'Every matching event since then is queued again.',
    };
    const done = c.req.query('done');
    const shown = shownOnce(c, endpoint.id);
    return c.html(
      <EndpointPage
        integrator={c.get('integratorName')}
        endpoint={view(endpoint)}
        form={view(endpoint)}
        errors={{}}
        deliveries={deliveries}
        {...(done && notices[done] ? { notice: notices[done] } : {})}
        {...shown}
        {...extra}
      />,
      status,
    );
  }

  return router
    .get('/portal', (c) => {
      const draft = draftOf(c, '', emptyEndpoint);
      return draft?.kind === 'endpoint' ? homePage(c, draft.form, draft.errors) : homePage(c, emptyEndpoint, {});
    })
    .get('/portal/event-types', (c) => c.html(<EventTypesPage integrator={c.get('integratorName')} types={eventTypeCatalogue()} />))
    .post('/portal/endpoints', async (c) => {
      const { posted, errors, parsed } = await endpointForm(c, emptyEndpoint);
      if (Object.keys(errors).length > 0 || !parsed) {
        const draft: PortalDraft = { integrator: c.get('integratorId'), endpoint: '', kind: 'endpoint', form: posted, errors };
        return redirectWithErrors(c, draft, () => homePage(c, posted, errors, 422));
      }
      const now = clock.now();
      const { secret, secrets } = firstSecret(deps.appSecret);
      const id = `ep_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
      await insertEndpoint(db, {
        id,
        integrator_id: c.get('integratorId'),
        url: posted.url,
        description: posted.description,
        types: parsed.types ?? [],
        countries: parsed.countries ?? [],
        categories: parsed.categories ?? [],
        signature_schemes: parsed.signatures ?? ['v1'],
        rate_limit: parsed.rateLimit ?? null,
        enabled: true,
        disabled_reason: null,
        secrets: JSON.stringify(secrets),
        failing_since: null,
        created_at: now,
        updated_at: now,
      });
      deps.log.info(
        { endpointId: id, integratorId: c.get('integratorId'), origin: new URL(posted.url).origin },
        'webhook endpoint created in the portal',
      );
      clearDraft(c, '');
      return redirectShowingOnce(c, id, { notice: 'The endpoint is added.', secret });
    })
    .get('/portal/endpoints/:id', async (c) => {
      const endpoint = await owned(c);
      if (!endpoint) return notFound(c);
      const draft = draftOf(c, endpoint.id, view(endpoint));
      if (draft?.kind === 'endpoint') return endpointPage(c, endpoint, { form: draft.form, errors: draft.errors });
      return endpointPage(c, endpoint, draft?.kind === 'replay' ? { replay: draft.replay } : {});
    })
    .post('/portal/endpoints/:id', async (c) => {
      const endpoint = await owned(c);
      if (!endpoint) return notFound(c);
      const { posted, errors, parsed } = await endpointForm(c, view(endpoint));
      if (Object.keys(errors).length > 0 || !parsed) {
        const draft: PortalDraft = { integrator: c.get('integratorId'), endpoint: endpoint.id, kind: 'endpoint', form: posted, errors };
        return redirectWithErrors(c, draft, () => endpointPage(c, endpoint, { form: posted, errors }, 422));
      }
      await updateEndpoint(db, endpoint.id, {
        url: posted.url,
        description: posted.description,
        types: parsed.types ?? [],
        countries: parsed.countries ?? [],
        categories: parsed.categories ?? [],
        signature_schemes: parsed.signatures ?? ['v1'],
        rate_limit: parsed.rateLimit ?? null,
        ...(posted.enabled
          ? endpoint.enabled
            ? {}
            : { enabled: true, disabled_reason: null, failing_since: null }
          : { enabled: false, disabled_reason: 'disabled in the portal' }),
        updated_at: clock.now(),
      });
      deps.log.info({ endpointId: endpoint.id, integratorId: c.get('integratorId') }, 'webhook endpoint changed in the portal');
      clearDraft(c, endpoint.id);
      return c.redirect(`/portal/endpoints/${endpoint.id}?done=saved`, 303);
    })
    .post('/portal/endpoints/:id/test', async (c) => {
      const endpoint = await owned(c);
      if (!endpoint) return notFound(c);
      const asymmetricKeys = endpoint.signature_schemes.includes('v1a') ? await openSigningKeys(deps) : undefined;
      const sent = await sendToEndpoint(
        deps,
        endpoint,
        { id: newDeliveryId(), body: pingBody(endpoint.id, clock.now()) },
        undefined,
        undefined,
        asymmetricKeys,
      );
      const result = sent.error ?? `the endpoint answered ${sent.statusCode} in ${sent.latencyMs} ms`;
      return redirectShowingOnce(c, endpoint.id, { notice: `Test event sent: ${result}.` });
    })
    .post('/portal/endpoints/:id/rotate-secret', async (c) => {
      const endpoint = await owned(c);
      if (!endpoint) return notFound(c);
      const secret = await db.transaction().execute(async (trx) => {
        const locked = (await lockEndpoint(trx, endpoint.id))!;
        const rotated = rotateSecrets(deps.appSecret, locked.secrets, clock.now());
        await updateEndpoint(trx, endpoint.id, { secrets: JSON.stringify(rotated.secrets), updated_at: clock.now() });
        return rotated.secret;
      });
      deps.log.info({ endpointId: endpoint.id, integratorId: c.get('integratorId') }, 'webhook secret rotated in the portal');
      return redirectShowingOnce(c, endpoint.id, { secret });
    })
    .post('/portal/endpoints/:id/replay', async (c) => {
      const endpoint = await owned(c);
      if (!endpoint) return notFound(c);
      const form = await readForm(c);
      const typed = { since: typeof form.since === 'string' ? form.since : '', until: typeof form.until === 'string' ? form.until : '' };
      const refuse = (errors: Pick<ReplayForm, 'sinceError' | 'untilError'>) => {
        const replay = { ...typed, ...errors };
        const draft: PortalDraft = { integrator: c.get('integratorId'), endpoint: endpoint.id, kind: 'replay', replay };
        return redirectWithErrors(c, draft, () => endpointPage(c, endpoint, { replay }, 422));
      };
      const since = new Date(`${typed.since}Z`);
      if (Number.isNaN(since.getTime()) || since.getUTCFullYear() < 1970 || since.getUTCFullYear() > 9999) {
        return refuse({ sinceError: 'Enter the date and time to replay from, e.g. 2025-02-01 09:00.' });
      }
      const until = typed.until !== '' ? new Date(`${typed.until}Z`) : undefined;
      if (until && (Number.isNaN(until.getTime()) || until <= since)) {
        return refuse({ untilError: 'Enter an end after the start, or leave it empty to replay up to now.' });
      }
      if (!endpoint.enabled) return refuse({ sinceError: 'Enable the endpoint first.' });
      const queued = await db.transaction().execute(async (trx) => {
        const locked = (await lockEndpoint(trx, endpoint.id))!;
        return replayChanges(trx, locked, { at: since }, clock.now(), until);
      });
      if (queued > 0) deps.webhookPump.kick();
      clearDraft(c, endpoint.id);
      return c.redirect(`/portal/endpoints/${endpoint.id}?done=replayed`, 303);
    })
    .post('/portal/endpoints/:id/deliveries/:deliveryId/retry', async (c) => {
      const endpoint = await owned(c);
      const delivery = endpoint && (await findDelivery(db, endpoint.id, c.req.param('deliveryId')));
      if (!endpoint || !delivery) return notFound(c);
      await db.transaction().execute((trx) => requeueDelivery(trx, delivery.id, clock.now()));
      deps.webhookPump.kick();
      return c.redirect(`/portal/endpoints/${endpoint.id}?done=retried`, 303);
    });
}
