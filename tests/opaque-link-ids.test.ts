import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as publicIds from '../migrations/0013_subscriber_public_ids';
import * as digestPublicIds from '../migrations/0021_digest_ids_and_instant_alert_costs';
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

  it('the web-view link names the digest by an opaque public id, not its sequential row id, and only for its own reader', async () => {
    const { row } = await confirmedSubscriber();
    const other = await confirmedSubscriber();
    await sql`update subscribers set timezone = 'UTC' where id in (${row.id}, ${other.row.id})`.execute(t.deps.db);
    await runDigestTick(t.deps, { asOf: new Date('2025-03-01T09:05:00Z'), trigger: 'test' });
    const digestOf = (subscriberId: number) =>
      t.deps.db.selectFrom('digests').select(['id', 'public_id']).where('subscriber_id', '=', subscriberId).executeTakeFirstOrThrow();
    const digest = await digestOf(row.id);
    const mail = (await readOutbox(t.deps.config.dataDir)).find((m) => m.to === row.email && m.text.includes('/digests/view'))!;
    const viewLink = linkIn(mail, '/digests/view');
    const payload = payloadOf(tokenOf(viewLink));
    expect(payload.r).toBe(digest.public_id);
    expect(payload.r).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(JSON.stringify(payload)).not.toContain(`"${digest.id}"`);
    expect((await t.app.request(viewLink)).status).toBe(200);

    const view = (ref: string) =>
      t.app.request(
        `/digests/view?token=${t.deps.tokens.sign('view', { publicId: row.public_id, version: row.token_version, ref }, { ttlMs: null })}`,
      );
    expect((await view((await digestOf(other.row.id)).public_id)).status).toBe(400);
    expect((await view(crypto.randomUUID())).status).toBe(400);
    expect((await view('not-a-digest')).status).toBe(400);
  });

  it('the migration gives every existing digest its own public id', async () => {
    const database = await createTestDatabase();
    try {
      await digestPublicIds.down(database.db as never);
      const at = new Date('2025-01-01T00:00:00Z');
      const [subscriber] = await database.db
        .insertInto('subscribers')
        .values({
          email: 'digests-before@example.org',
          status: 'confirmed',
          countries: [],
          regions: [],
          categories: [],
          skip_empty: false,
          frequency: 'weekly',
          timezone: 'UTC',
          created_at: at,
          updated_at: at,
          consent_source: 'api',
        })
        .returning('id')
        .execute();
      const digests = Array.from({ length: 30 }, (_, i) => ({
        subscriber_id: subscriber!.id,
        period_key: `2025-W${String(i + 1).padStart(2, '0')}`,
        due_at: at,
        status: 'sent' as const,
        created_at: at,
      }));
      await database.db.insertInto('digests').values(digests).execute();
      await digestPublicIds.up(database.db as never);
      const ids = await database.db.selectFrom('digests').select('public_id').execute();
      expect(ids).toHaveLength(30);
      expect(new Set(ids.map((r) => r.public_id)).size).toBe(30);
    } finally {
      await database.close();
    }
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
