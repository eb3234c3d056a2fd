import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutcome, type EndpointUnderTest } from '../chaos/checks';
import { createTestApp, type TestApp } from '../testkit/app';
import { ingestInputs, sampleEvent } from '../testkit/events';
import { type FakeResend, startFakeResend } from '../testkit/fake-resend';
import type { Received } from '../testkit/webhook-receiver';

/** The chaos run's verdicts must be able to fail: each is fed the fault it exists to catch. */
describe('chaos checks', () => {
  let t: TestApp;
  let resend: FakeResend;
  beforeAll(async () => {
    t = await createTestApp();
    resend = await startFakeResend();
  });
  afterAll(async () => {
    await resend.close();
    await t.close();
  });

  const ingest = (id: string, country: string, revision: number) =>
    ingestInputs(t.deps, [sampleEvent({ id, country, body: `Chaos report ${id}, revision ${revision}.` })]);

  const email = (to: string, key: string, subject = 'Your digest') =>
    fetch(`${resend.url}/emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${resend.apiKey}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ from: 'a@chaos.example', to, subject, text: 'hello' }),
    });

  const receipt = (changeId: number, id: string, status: number): Received => ({
    id,
    type: 'event.published',
    body: { data: { change: { id: changeId } } },
    verified: true,
    at: 0,
    status,
  });

  it('finds lost and duplicated digests, lost and doubly-identified deliveries, changes detected twice and events left behind', async () => {
    await ingest('chaos-00001', 'KAZ', 1);
    await ingest('chaos-00002', 'BRA', 1);
    await ingest('chaos-00002', 'BRA', 2);
    const changes = await t.deps.db.selectFrom('changes').select(['id', 'type', 'event_id']).orderBy('id').execute();
    const [kazPublished, braPublished, braUpdated] = changes.map((c) => Number(c.id));
    expect(changes.map((c) => c.type)).toEqual(['event.published', 'event.published', 'event.updated']);
    // The same edit appended a second time, as a detector racing another would.
    await t.deps.db
      .insertInto('changes')
      .values({
        type: 'event.updated',
        event_id: 'chaos-00002',
        previous: JSON.stringify({ body: 'Chaos report chaos-00002, revision 1.' }),
        detected_at: new Date(),
      })
      .execute();

    expect((await email('reader-1@chaos.example', 'k1')).status).toBe(200);
    expect((await email('reader-1@chaos.example', 'k2')).status).toBe(200);
    expect((await email('reader-3@chaos.example', 'k3')).status).toBe(200);
    expect((await email('reader-3@chaos.example', 'k3')).status).toBe(200); // replayed: delivered once
    expect((await email('reader-4@chaos.example', 'k3', 'Another payload')).status).toBe(409);

    const endpoints: EndpointUnderTest[] = [
      {
        name: 'everything',
        id: 'ep_1',
        types: [],
        countries: [],
        received: [receipt(kazPublished!, 'msg_a', 200), receipt(kazPublished!, 'msg_b', 200), receipt(braPublished!, 'msg_c', 500)],
      },
      {
        name: 'KAZ only',
        id: 'ep_2',
        types: [],
        countries: ['KAZ'],
        received: [receipt(kazPublished!, 'msg_d', 200), receipt(braUpdated!, 'msg_e', 200)],
      },
    ];
    const outcome = await checkOutcome({
      db: t.deps.db,
      resend,
      endpoints,
      subscribers: ['reader-1', 'reader-2', 'reader-3'].map((name) => ({
        email: `${name}@chaos.example`,
        frequency: 'monthly',
        timezone: 'UTC',
      })),
      feedRevisions: new Map([
        ['chaos-00001', 2],
        ['chaos-00002', 2],
      ]),
      startedAt: new Date('2026-11-25T10:00:00Z'),
      endedAt: new Date('2026-11-25T10:01:00Z'),
    });

    expect(outcome.changes).toMatchObject({ total: 4, duplicates: 1 });
    expect(outcome.digests).toMatchObject({ subscribers: 3, lost: 1, duplicated: 1 });
    expect(outcome.webhooks).toMatchObject({ expected: 5, lost: 3, idConflicts: 1, duplicatesFromRetries: 1, failedAnswers: 1 });
    const problems = outcome.problems.join('\n');
    expect(problems).toMatch(/edits detected more than once, e\.g\. chaos-00002 from revision 1/);
    expect(problems).toMatch(/1 feed events not stored at their last revision, e\.g\. chaos-00001 is at 1, the feed at 2/);
    expect(problems).toMatch(/1 of 3 confirmed subscribers got no digest/);
    expect(problems).toMatch(/1 of 3 confirmed subscribers got more than one digest/);
    expect(problems).toMatch(/1 idempotency keys were sent with more than one payload/);
    expect(problems).toMatch(/3 of 5 \(change, endpoint\) pairs never answered 2xx/);
    expect(problems).toMatch(/1 \(change, endpoint\) pairs arrived under more than one webhook-id/);
    expect(problems).toMatch(new RegExp(`KAZ only got change ${braUpdated} \\(event.updated, BRA\\) it did not ask for`));
  });
});
