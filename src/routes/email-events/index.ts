import { createRoute, z } from '@hono/zod-openapi';
import { Webhook } from 'svix';
import { ProblemError, problems } from '../../errors';
import type { Deps } from '../../services';
import { handleEmailEvent, resendEventSchema } from '../../subscribers/email-events';
import { unstorableStringErrors } from '../../unstorable-strings';
import { createRouter, json, problemResponse, problemResponses, publicSecurity } from '../router';

const route = createRoute({
  method: 'post',
  path: '/v1/email-events',
  operationId: 'receiveEmailEvent',
  security: publicSecurity,
  tags: ['Subscribers'],
  summary: "Resend's webhook (Svix-signed): hard bounces and complaints suppress the address",
  description:
    'Verified with RESEND_WEBHOOK_SECRET over the raw body and the svix-id, svix-timestamp and svix-signature headers. Each svix-id is handled once.',
  responses: {
    200: json(z.object({ status: z.enum(['processed', 'duplicate', 'ignored']) }).openapi('EmailEventResult'), 'Handled'),
    ...problemResponses,
    401: problemResponse('Missing or wrong Svix signature'),
    503: problemResponse('RESEND_WEBHOOK_SECRET is not configured'),
  },
});

const MAX_SVIX_ID_LENGTH = 256;

export function emailEventRoutes(deps: Deps) {
  const webhook = deps.config.resendWebhookSecret ? new Webhook(deps.config.resendWebhookSecret) : undefined;
  return createRouter().openapi(route, async (c) => {
    if (!webhook) {
      throw new ProblemError({
        type: 'email-events-disabled',
        title: 'Email events not configured',
        status: 503,
        detail: 'Set RESEND_WEBHOOK_SECRET.',
      });
    }
    const body = await c.req.text();
    const headers = {
      'svix-id': c.req.header('svix-id') ?? '',
      'svix-timestamp': c.req.header('svix-timestamp') ?? '',
      'svix-signature': c.req.header('svix-signature') ?? '',
    };
    // Svix message ids are short; a longer one, even correctly signed, would not fit the
    // primary-key index of email_events, where each id is recorded once.
    if (headers['svix-id'].length > MAX_SVIX_ID_LENGTH) {
      throw new ProblemError({
        type: 'bad-request',
        title: 'Bad request',
        status: 400,
        detail: `The svix-id header must be at most ${MAX_SVIX_ID_LENGTH} characters.`,
      });
    }
    try {
      webhook.verify(body, headers);
    } catch {
      throw new ProblemError({
        type: 'bad-signature',
        title: 'Signature does not verify',
        status: 401,
        detail: 'The Svix signature headers do not match the body.',
      });
    }
    let parsed: ReturnType<typeof resendEventSchema.safeParse> | undefined;
    try {
      parsed = resendEventSchema.safeParse(JSON.parse(body));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) throw problems.validation(422, [{ path: '(body)', pointer: '#', message: 'is not a Resend event' }]);
    const unstorable = unstorableStringErrors(parsed.data);
    if (unstorable.length > 0) throw problems.validation(422, unstorable);
    const status = await handleEmailEvent(deps, headers['svix-id'], parsed.data);
    return c.json({ status }, 200);
  });
}
