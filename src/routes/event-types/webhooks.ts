import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  changeMessageSchema,
  describeChangeType,
  messageSchemaName,
  pingMessageSchema,
  webhookHeadersSchema,
} from '../../alerts/webhooks/messages';
import { allChangeTypes } from '../../db/change-types';

const responses = {
  200: { description: 'Any 2xx: delivered. Answer within 10 s; do the work after answering.' },
  410: { description: 'Gone: the endpoint is disabled and gets nothing more' },
  429: { description: 'Retried after the Retry-After it gives (also 503); any other answer is retried by the schedule' },
};

/** The OpenAPI 3.1 `webhooks` section: one request per change type (and the test ping), headers and body. */
export function registerWebhookMessages(registry: OpenAPIHono['openAPIRegistry']): void {
  const messages = [
    ...allChangeTypes.map((type) => ({ type, schema: changeMessageSchema(type), summary: describeChangeType(type) })),
    { type: 'ping', schema: pingMessageSchema, summary: 'A test message (POST /v1/webhooks/{id}/test)' },
  ];
  for (const { type, schema, summary } of messages) {
    registry.registerWebhook({
      method: 'post',
      path: type,
      operationId: `receive${messageSchemaName(type).replace(/Message$/, '')}`,
      tags: ['Webhook messages'],
      summary: type,
      description: `${summary} Sent to every enabled endpoint whose filters match, signed per Standard Webhooks.`,
      security: [],
      request: { headers: webhookHeadersSchema, body: { required: true, content: { 'application/json': { schema } } } },
      responses,
    });
  }
}
