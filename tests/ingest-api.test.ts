import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminEventChange, ChangePage } from '../src/routes/admin/changes/schema';
import type { IngestRequest, IngestResponse } from '../src/routes/admin/events/schema';
import type { Event } from '../src/routes/events/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { sampleEvent } from '../testkit/events';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const ingest = async (body: IngestRequest) => {
  const res = await t.call('POST', '/v1/admin/events', body, { admin: true });
  return { status: res.status, body: (await res.json()) as IngestResponse & { errors?: { path: string }[] } };
};

async function changesOf(eventId: string) {
  const res = await t.call('GET', '/v1/admin/changes?after=0&limit=1000', undefined, { admin: true });
  const page = (await res.json()) as ChangePage;
  return page.data.filter((c): c is AdminEventChange => 'eventId' in c && c.eventId === eventId);
}

describe('POST /v1/admin/events', () => {
  it('publishes new events and answers the counts', async () => {
    const events = [sampleEvent(), sampleEvent({ country: 'kaz' })];
    const { status, body } = await ingest({ events });
    expect(status).toBe(200);
    expect(body).toEqual({ received: 2, published: 2, updated: 0, unchanged: 0, changes: 2 });
    const changes = await changesOf(events[0]!.id);
    expect(changes).toMatchObject([{ type: 'event.published', previous: null, detectedAt: '2025-02-01T09:00:00.000Z' }]);
    const stored = (await (await t.call('GET', `/v1/events/${events[1]!.id}`)).json()) as Event;
    expect(stored.country).toBe('KAZ');
  });

  it('writes nothing when the same events are sent again', async () => {
    const events = [sampleEvent(), sampleEvent()];
    await ingest({ events });
    const before = await (await t.call('GET', '/v1/admin/changes?after=0&limit=1000', undefined, { admin: true })).json();
    const { body } = await ingest({ events });
    expect(body).toEqual({ received: 2, published: 0, updated: 0, unchanged: 2, changes: 0 });
    const after = await (await t.call('GET', '/v1/admin/changes?after=0&limit=1000', undefined, { admin: true })).json();
    expect(after).toEqual(before);
  });

  it('records an update with the previous values of the changed fields, and keeps first_seen', async () => {
    const event = sampleEvent({ body: 'First text.' });
    await ingest({ events: [event] });
    const first = (await (await t.call('GET', `/v1/events/${event.id}`)).json()) as Event;
    t.clock.advance(60_000);
    const { body } = await ingest({
      events: [{ ...event, body: 'Second text.', updates: [{ text: 'Update: the law went into force.' }] }],
    });
    expect(body).toMatchObject({ updated: 1, changes: 1 });
    const changes = await changesOf(event.id);
    expect(changes.map((c) => c.type)).toEqual(['event.published', 'event.updated']);
    expect(changes[1]!.previous).toEqual({ body: 'First text.', updates: [] });
    const now = (await (await t.call('GET', `/v1/events/${event.id}`)).json()) as Event;
    expect(now.firstSeenAt).toBe(first.firstSeenAt);
    expect(now.lastChangedAt).toBe('2025-02-01T09:01:00.000Z');
    expect(now.body).toBe('Second text.');
  });

  it('gives a flag flip together with a text change both changes', async () => {
    const event = sampleEvent({ watchFlag: false });
    await ingest({ events: [event] });
    await ingest({ events: [{ ...event, watchFlag: true, title: 'A new title' }] });
    await ingest({ events: [{ ...event, watchFlag: false, title: 'A new title' }] });
    const changes = await changesOf(event.id);
    expect(changes.map((c) => [c.type, c.previous])).toEqual([
      ['event.published', null],
      ['event.updated', { title: event.title }],
      ['event.watch_flag_raised', { watchFlag: false }],
      ['event.watch_flag_lifted', { watchFlag: true }],
    ]);
  });

  it('refuses a batch with one bad event as a whole, naming the field path', async () => {
    const good = sampleEvent();
    const events = [good, sampleEvent(), sampleEvent(), sampleEvent({ country: 'XXX' })];
    const { status, body } = await ingest({ events });
    expect(status).toBe(422);
    expect(body.errors?.map((e) => e.path)).toEqual(['events[3].country']);
    expect((await t.call('GET', `/v1/events/${good.id}`)).status).toBe(404);
  });

  it('names unknown categories, factors, bad months and duplicate ids', async () => {
    const dup = sampleEvent();
    const { status, body } = await ingest({
      events: [
        sampleEvent({ categories: ['freedom'] }),
        sampleEvent({ factors: ['rights.free_lunch'] }),
        sampleEvent({ month: '2025-13' }),
        dup,
        dup,
      ],
    });
    expect(status).toBe(422);
    expect(body.errors?.map((e) => e.path)).toEqual(['events[0].categories[0]', 'events[1].factors[0]', 'events[2].month', 'events[4].id']);
  });

  it('takes 1,000 events in one batch and refuses 1,001', async () => {
    const thousand = Array.from({ length: 1000 }, () => sampleEvent());
    const ok = await ingest({ events: thousand });
    expect(ok.body).toMatchObject({ received: 1000, published: 1000 });
    const tooMany = await ingest({ events: [...thousand, sampleEvent()] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors?.[0]?.path).toBe('events');
  });

  it('refuses unknown fields instead of silently dropping them', async () => {
    const { status, body } = await ingest({ events: [{ ...sampleEvent(), colour: 'red' } as never] });
    expect(status).toBe(422);
    expect(body.errors?.[0]?.path).toBe('events[0]');
  });
});
