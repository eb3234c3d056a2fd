import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { ProblemError, problemResponse, problems } from './errors';
import { limitBodies, requireJsonBodies } from './http/body-guards';
import { logRequests } from './http/log-requests';
import { securityHeaders } from './http/security-headers';
import { adminRoutes } from './routes/admin/index';
import { changeRoutes } from './routes/changes/index';
import { mountDocs } from './routes/docs/index';
import { emailEventRoutes } from './routes/email-events/index';
import { eventTypeRoutes } from './routes/event-types/index';
import { eventRoutes } from './routes/events/index';
import { expectedVolumeRoutes } from './routes/expected-volume/index';
import { feedRoutes } from './routes/feeds/index';
import { healthRoutes } from './routes/health/index';
import { pageRoutesFor } from './routes/pages/index';
import { portalRoutes } from './routes/portal/index';
import { portalLinkRoutes } from './routes/portal-links/index';
import { preferenceRoutes } from './routes/preferences/index';
import { privacyRoutes } from './routes/privacy/index';
import { openpgpPageRoutes } from './routes/privacy/openpgp-pages';
import { createRouter } from './routes/router';
import { subscriptionRoutes } from './routes/subscriptions/index';
import { taxonomyRoutes } from './routes/taxonomy/index';
import { webhookSigningKeyRoutes } from './routes/webhook-signing-keys/index';
import { webhookRoutes } from './routes/webhooks/index';
import type { Deps } from './services';

const MB = 1024 * 1024;

/** Builds the whole HTTP app from injected dependencies; no I/O happens here. */
export function createApp(deps: Deps) {
  const app = createRouter();

  app.use('*', requestId());
  app.use('*', securityHeaders());
  app.use('*', logRequests(deps.log));
  app.use('*', deps.metrics.httpMiddleware);
  app.use(
    '*',
    limitBodies((path) => (path === '/v1/admin/events' ? 16 * MB : 256 * 1024)),
  );
  app.use('/v1/*', requireJsonBodies(new Set(['/v1/subscriptions'])));

  app.route('/', healthRoutes(deps));
  app.route('/', taxonomyRoutes(deps));
  app.route('/', eventRoutes(deps));
  app.route('/', eventTypeRoutes());
  app.route('/', changeRoutes(deps));
  app.route('/', feedRoutes(deps));
  app.route('/', adminRoutes(deps));
  app.route('/', pageRoutesFor(deps));
  app.route('/', subscriptionRoutes(deps));
  app.route('/', preferenceRoutes(deps));
  app.route('/', privacyRoutes(deps));
  app.route('/', expectedVolumeRoutes(deps));
  app.route('/', openpgpPageRoutes(deps));
  app.route('/', emailEventRoutes(deps));
  app.route('/', webhookRoutes(deps));
  app.route('/', webhookSigningKeyRoutes(deps));
  app.route('/', portalLinkRoutes(deps));
  app.route('/', portalRoutes(deps));
  mountDocs(app, deps.config.publicBaseUrl, deps.loadDocsViewer);

  app.notFound((c) => problemResponse(c, problems.notFound()));
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own 4xx (malformed JSON, ...): its message is written for clients.
      return problemResponse(
        c,
        new ProblemError({ type: 'bad-request', title: 'Bad request', status: error.status, detail: error.message }),
      );
    }
    deps.log.error({ err: error, requestId: c.get('requestId') }, 'unhandled error');
    return problemResponse(c, problems.internal());
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
