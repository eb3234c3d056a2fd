import type { Db, Frequency } from '../src/db/database';
import { pick } from '../testkit/random';
import type { startReceiver } from '../testkit/webhook-receiver';
import type { EndpointUnderTest, SeededSubscriber } from './checks';
import { FEED_COUNTRIES } from './feed';

const TIME_ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Tokyo',
  'Australia/Sydney',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Pacific/Auckland',
];

/** Three endpoints with different filters, registered through the API (so each gets its secret). */
const ENDPOINTS = [
  { name: 'everything', types: [], countries: [] },
  { name: 'KAZ+GEO', types: [], countries: ['KAZ', 'GEO'] },
  { name: 'published+flags', types: ['event.published', 'event.watch_flag_raised'], countries: [] },
];

export async function registerEndpoints(
  baseUrl: string,
  adminToken: string,
  receivers: readonly Awaited<ReturnType<typeof startReceiver>>[],
): Promise<EndpointUnderTest[]> {
  const endpoints: EndpointUnderTest[] = [];
  for (const [index, spec] of ENDPOINTS.entries()) {
    const receiver = receivers[index]!;
    const response = await fetch(`${baseUrl}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        url: receiver.url,
        description: spec.name,
        ...(spec.types.length && { types: spec.types }),
        ...(spec.countries.length && { countries: spec.countries }),
      }),
    });
    if (response.status !== 201) throw new Error(`registering webhook ${spec.name}: ${response.status} ${await response.text()}`);
    const created = (await response.json()) as { id: string; secret: string };
    receiver.setSecret(created.secret);
    endpoints.push({ ...spec, id: created.id, received: receiver.received });
  }
  return endpoints;
}

/**
 * Confirmed subscribers inserted directly, confirmed 40 days ago, so the latest period of
 * each (monthly or weekly, in assorted time zones) is due now; none skips an empty digest,
 * so each must get exactly one.
 */
export function subscriberSeeder(db: Db, random: () => number) {
  const subscribers: SeededSubscriber[] = [];
  return {
    subscribers,
    async seed(count: number) {
      const confirmedAt = new Date(Date.now() - 40 * 24 * 3600_000);
      const rows = Array.from({ length: count }, () => {
        const s: SeededSubscriber = {
          email: `reader-${subscribers.length + 1}@chaos.example`,
          frequency: (random() < 0.3 ? 'weekly' : 'monthly') as Frequency,
          timezone: pick(random, TIME_ZONES),
        };
        subscribers.push(s);
        const r = random();
        return {
          ...s,
          status: 'confirmed' as const,
          countries: r < 0.4 ? [] : [pick(random, FEED_COUNTRIES)],
          regions: r > 0.9 ? ['Europe'] : [],
          categories: random() < 0.5 ? [] : ['rights'],
          skip_empty: false,
          created_at: confirmedAt,
          updated_at: confirmedAt,
          confirmed_at: confirmedAt,
          consent_at: confirmedAt,
          consent_source: 'chaos',
        };
      });
      await db.insertInto('subscribers').values(rows).execute();
    },
  };
}
