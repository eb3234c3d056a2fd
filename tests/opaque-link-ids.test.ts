import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as publicIds from '../migrations/0013_subscriber_public_ids';
import { runDigestTick } from '../src/alerts/digest/runner';
import { findSubscriber, findSubscriberByEmail, type SubscriberRow } from '../src/db/subscribers';
import { createTestApp, TEST_APP_SECRET, type TestApp } from '../testkit/app';
import { createTestDatabase } from '../testkit/db';
import { signLegacyLinkToken } from '../testkit/legacy-link-token';
import { linkIn, readOutbox } from '../testkit/mailbox';

let t: TestApp;
let n = 0;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
const tokenOf = (link: string) => new URL(link, 'https://x').searchParams.get('token')!;

async function confirmedSubscriber(): Promise<{ row: SubscriberRow; confirmLink: string }> {
  const email = `opaque-${++n}@example.org`;
  expect((await t.call('POST', '/v1/subscriptions', { email, countries: ['KAZ'] })).status).toBe(202);
  await t.deps.background.idle();
  const mail = (await readOutbox(t.deps.config.dataDir)).find((m) => m.to === email)!;
  const confirmLink = linkIn(mail, '/confirm');
  expect((await t.app.request(confirmLink)).status).toBe(200);
  return { row: (await findSubscriberByEmail(t.deps.db, email))!, confirmLink };
}

describe('link tokens name subscribers by an opaque random public id', () => {
  it('the confirmation email and the pages it leads to carry the public id, not the row id', async () => {
    const { row, confirmLink } = await confirmedSubscriber();
    expect(row.public_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const payload = payloadOf(tokenOf(confirmLink));
    expect(payload).not.toHaveProperty('s');
    expect(Buffer.from(payload.u, 'base64url').toString('hex')).toBe(row.public_id.replaceAll('-', ''));
    const page = await (await t.app.request(confirmLink)).text();
    for (const link of page.match(/token=[^"&]+/g) ?? []) expect(payloadOf(decodeURIComponent(link.slice(6)))).not.toHaveProperty('s');
  });

  it('links signed before public ids (naming the row id) still work on every page and route', async () => {
    const { row } = await confirmedSubscriber();
    const legacy = (purpose: 'manage' | 'unsubscribe' | 'view', ref?: string) =>
      signLegacyLinkToken(TEST_APP_SECRET, purpose, {
        subscriberId: row.id,
        version: row.token_version,
        issuedAt: t.clock.now(),
        ...(ref && { ref }),
      });
    expect((await t.app.request(`/preferences?token=${legacy('manage')}`)).status).toBe(200);
    const json = await t.app.request(`/v1/preferences?token=${legacy('manage')}`);
    expect(await json.json()).toMatchObject({ email: row.email });
    const put = await t.call('PUT', `/v1/preferences?token=${legacy('manage')}`, { countries: ['NOR'] });
    expect(put.status).toBe(200);
    expect((await findSubscriber(t.deps.db, row.id))?.countries).toEqual(['NOR']);

    await sql`update subscribers set timezone = 'UTC' where id = ${row.id}`.execute(t.deps.db);
    await runDigestTick(t.deps, { asOf: new Date('2025-03-01T09:05:00Z'), trigger: 'test' });
    const digest = await t.deps.db
      .selectFrom('digests')
      .select('id')
      .where('subscriber_id', '=', row.id)
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow();
    const view = await t.app.request(`/digests/view?token=${legacy('view', String(digest.id))}`);
    expect(view.status).toBe(200);

    expect((await t.app.request(`/unsubscribe?token=${legacy('unsubscribe')}`)).status).toBe(200);
    const done = await t.app.request(`/unsubscribe?token=${legacy('unsubscribe')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: '',
    });
    expect(done.status).toBeLessThan(400);
    expect(await findSubscriber(t.deps.db, row.id)).toBeUndefined();
  });

  it('the migration gives every existing subscriber its own public id', async () => {
    const database = await createTestDatabase();
    try {
      await publicIds.down(database.db as never);
      const at = new Date('2025-01-01T00:00:00Z');
      const rows = Array.from({ length: 50 }, (_, i) => ({
        email: `existing-${i}@example.org`,
        status: 'confirmed' as const,
        countries: [],
        regions: [],
        categories: [],
        skip_empty: false,
        frequency: 'monthly' as const,
        timezone: 'UTC',
        created_at: at,
        updated_at: at,
        consent_source: 'api',
      }));
      await database.db.insertInto('subscribers').values(rows).execute();
      await publicIds.up(database.db as never);
      const ids = await database.db.selectFrom('subscribers').select('public_id').execute();
      expect(ids).toHaveLength(50);
      expect(new Set(ids.map((r) => r.public_id)).size).toBe(50);
    } finally {
      await database.close();
    }
  });
});
