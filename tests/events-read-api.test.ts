import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangePage } from '../src/routes/admin/changes/schema';
import type { EventPage } from '../src/routes/events/schema';
import { createTestApp, type TestApp } from '../testkit/app';
import { sampleEvent } from '../testkit/events';

let t: TestApp;
const tag = `read${Date.now().toString(36)}`;
const ids = (page: EventPage) => page.data.map((e) => e.id);
const get = async <T>(path: string, admin = false) => (await (await t.call('GET', path, undefined, { admin })).json()) as T;

beforeAll(async () => {
  t = await createTestApp();
  const events = [
    sampleEvent({ id: `${tag}-a`, country: 'NOR', month: '2024-03', categories: ['rights'], factors: [] }),
    sampleEvent({
      id: `${tag}-b`,
      country: 'NOR',
      month: '2025-01',
      categories: ['participation'],
      factors: ['participation.civil_society'],
    }),
    sampleEvent({ id: `${tag}-c`, country: 'NOR', month: '2024-11', categories: [], factors: ['rule_of_law.judicial_independence'] }),
    sampleEvent({ id: `${tag}-d`, country: 'NOR', month: '2025-01', categories: ['rights'], factors: [] }),
    sampleEvent({ id: `${tag}-e`, country: 'NOR', month: '2023-06', categories: ['representation'], factors: [] }),
  ];
  const res = await t.call('POST', '/v1/admin/events', { events }, { admin: true });
  expect(res.status).toBe(200);
});
afterAll(() => t.close());

describe('GET /v1/events', () => {
  it('lists a country newest month first, ties by id', async () => {
    const page = await get<EventPage>('/v1/events?country=nor');
    expect(ids(page)).toEqual([`${tag}-b`, `${tag}-d`, `${tag}-c`, `${tag}-a`, `${tag}-e`]);
    expect(page.nextCursor).toBeNull();
  });

  it('filters by category or by factor; factors imply their category', async () => {
    expect(ids(await get<EventPage>('/v1/events?country=NOR&category=rights'))).toEqual([`${tag}-d`, `${tag}-a`]);
    expect(ids(await get<EventPage>('/v1/events?country=NOR&category=rule_of_law'))).toEqual([`${tag}-c`]);
    expect(ids(await get<EventPage>('/v1/events?country=NOR&category=participation.civil_society'))).toEqual([`${tag}-b`]);
  });

  it('filters by since on the time of the last change', async () => {
    t.clock.advance(3_600_000);
    const edited = sampleEvent({ id: `${tag}-a`, country: 'NOR', month: '2024-03', categories: ['rights'], factors: [], body: 'Edited.' });
    await t.call('POST', '/v1/admin/events', { events: [edited] }, { admin: true });
    const since = new Date(t.clock.now().getTime() - 1000).toISOString();
    expect(ids(await get<EventPage>(`/v1/events?country=NOR&since=${since}`))).toEqual([`${tag}-a`]);
  });

  it('pages with an opaque cursor that stays stable when events are inserted between pages', async () => {
    const first = await get<EventPage>('/v1/events?country=NOR&limit=2');
    expect(ids(first)).toEqual([`${tag}-b`, `${tag}-d`]);
    // Inserted before the cursor position (newer month) and after it: neither shifts the next page.
    await t.call(
      'POST',
      '/v1/admin/events',
      {
        events: [
          sampleEvent({ id: `${tag}-z-new`, country: 'NOR', month: '2025-02' }),
          sampleEvent({ id: `${tag}-0-early`, country: 'NOR', month: '2025-01' }),
        ],
      },
      { admin: true },
    );
    const second = await get<EventPage>(`/v1/events?country=NOR&limit=2&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual([`${tag}-c`, `${tag}-a`]);
    const third = await get<EventPage>(`/v1/events?country=NOR&limit=2&cursor=${second.nextCursor}`);
    expect(ids(third)).toEqual([`${tag}-e`]);
    expect(third.nextCursor).toBeNull();
  });

  it('answers 400 naming the parameter for a bad cursor, country, category, since or limit', async () => {
    for (const [query, field] of [
      ['cursor=not-a-cursor', 'cursor'],
      ['country=XYZ', 'country'],
      ['category=happiness', 'category'],
      ['since=yesterday', 'since'],
      ['limit=0', 'limit'],
      ['limit=1000', 'limit'],
    ] as const) {
      const res = await t.call('GET', `/v1/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as { errors: { path: string }[] };
      expect(body.errors.map((e) => e.path)).toEqual([field]);
    }
  });
});

describe('GET /v1/events/:id', () => {
  it('answers the event, or a 404 problem', async () => {
    const event = await get<{ id: string; country: string }>(`/v1/events/${tag}-b`);
    expect(event).toMatchObject({ id: `${tag}-b`, country: 'NOR', factors: ['participation.civil_society'] });
    const missing = await t.call('GET', `/v1/events/${tag}-nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('GET /v1/admin/changes', () => {
  it('reads the log oldest first from a cursor, in pages', async () => {
    const all = await get<ChangePage>('/v1/admin/changes?after=0&limit=1000', true);
    const idsInOrder = all.data.map((c) => c.id);
    expect(idsInOrder).toEqual([...idsInOrder].sort((x, y) => x - y));
    const firstTwo = await get<ChangePage>('/v1/admin/changes?after=0&limit=2', true);
    expect(firstTwo.hasMore).toBe(true);
    const next = await get<ChangePage>(`/v1/admin/changes?after=${firstTwo.nextAfter}&limit=1000`, true);
    expect([...firstTwo.data, ...next.data]).toEqual(all.data);
    expect(next.hasMore).toBe(false);
    expect(next.nextAfter).toBe(idsInOrder.at(-1));
  });
});
