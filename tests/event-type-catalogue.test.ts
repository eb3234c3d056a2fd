import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dispatchDue } from '../src/alerts/webhooks/delivery-loop';
import { fanOutChanges } from '../src/alerts/webhooks/fanout';
import { allChangeTypes } from '../src/db/change-types';
import { createTestApp, type TestApp } from '../testkit/app';
import { changingCountryPage } from '../testkit/country-page-source';
import { sampleEvent } from '../testkit/events';
import { startReceiver } from '../testkit/webhook-receiver';

interface Entry {
  type: string;
  description: string;
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

const countryPage = changingCountryPage();
let t: TestApp;
let catalogue: Entry[];
const closers: (() => Promise<void>)[] = [];
/** A validator made from the JSON Schema as served, not from our zod schema. */
const validatorOf = (type: string) => z.fromJSONSchema(catalogue.find((e) => e.type === type)!.schema as never);

beforeAll(async () => {
  t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1', SOURCE_URLS: countryPage.url });
  t.clock.set(new Date()); // the receiver checks webhook-timestamp against its own clock
  catalogue = ((await (await t.call('GET', '/v1/event-types')).json()) as { data: Entry[] }).data;
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await t.close();
});

describe('the event catalogue', () => {
  it('GET /v1/event-types lists every change type, without a token, with a JSON Schema and an example that fits it', async () => {
    const res = await t.call('GET', '/v1/event-types');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(catalogue.map((e) => e.type)).toEqual([...allChangeTypes]);
    for (const entry of catalogue) {
      expect(entry.description.length, entry.type).toBeGreaterThan(20);
      expect(entry.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(entry.example.type).toBe(entry.type);
      const validator = validatorOf(entry.type);
      expect(validator.safeParse(entry.example).success, entry.type).toBe(true);
      // The schema is specific: another type's example, or a broken event, does not fit.
      const other = catalogue.find((e) => e.type !== entry.type)!;
      expect(validator.safeParse(other.example).success).toBe(false);
      const data = entry.example.data as Record<string, unknown>;
      const broken = 'event' in data ? { event: { id: 42 } } : { country: { id: 42 } };
      expect(validator.safeParse({ ...entry.example, data: { ...data, ...broken } }).success).toBe(false);
    }
  });

  it('answers 304 to a request with its ETag', async () => {
    const first = await t.call('GET', '/v1/event-types');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await t.call('GET', '/v1/event-types', undefined, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('describes the bodies the dispatcher really sends: deliveries of every type fit the served schema of their type', async () => {
    const receiver = await startReceiver();
    closers.push(receiver.close);
    const created = await t.call('POST', '/v1/webhooks', { url: receiver.url, countries: ['MNG', 'KAZ'] }, { admin: true });
    expect(created.status).toBe(201);
    receiver.setSecret(((await created.json()) as { secret: string }).secret);

    const event = sampleEvent({ country: 'MNG', url: 'https://example.org/report' });
    const ingest = (events: unknown[]) => t.call('POST', '/v1/admin/events', { events }, { admin: true });
    await ingest([event]);
    await ingest([{ ...event, body: 'A new body.', watchFlag: true }]);
    await ingest([{ ...event, body: 'A new body.', watchFlag: false }]);
    // The country page read twice: first sight (no change), then one change of each country type.
    const detect = () => t.call('POST', '/v1/admin/detect', undefined, { admin: true });
    expect((await detect()).status).toBe(200);
    countryPage.change();
    expect((await detect()).status).toBe(200);
    await t.deps.webhookPump.idle();
    await fanOutChanges(t.deps);
    await dispatchDue(t.deps);

    expect(new Set(receiver.received.map((r) => r.type))).toEqual(new Set(allChangeTypes));
    for (const delivery of receiver.received) {
      expect(delivery.verified).toBe(true);
      const fit = validatorOf(delivery.type).safeParse(delivery.body);
      expect(fit.error?.issues ?? [], delivery.type).toEqual([]);
    }
  });

  it("documents each type's request, headers and body, in the OpenAPI webhooks section", async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as {
      webhooks: Record<
        string,
        {
          post: {
            operationId: string;
            parameters: { name: string; in: string }[];
            requestBody: { content: Record<string, { schema: { $ref: string } }> };
          };
        }
      >;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.webhooks)).toEqual([...allChangeTypes, 'ping']);
    for (const type of allChangeTypes) {
      const post = doc.webhooks[type]!.post;
      expect(post.operationId).toMatch(/^receive/);
      expect(post.parameters.filter((p) => p.in === 'header').map((p) => p.name)).toEqual([
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
      ]);
      const ref = post.requestBody.content['application/json']!.schema.$ref;
      const schema = doc.components.schemas[ref.replace('#/components/schemas/', '')]!;
      expect(Object.keys(schema.properties)).toEqual(['type', 'timestamp', 'data']);
    }
  });
});
