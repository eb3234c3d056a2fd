import { categoryIds } from '../src/taxonomy/categories';
import { pick } from '../testkit/random';
import { startSourceServer } from '../testkit/source-server';

export const FEED_COUNTRIES = ['KAZ', 'GEO', 'SEN', 'BRA', 'IND', 'DEU'] as const;

interface FeedEvent {
  id: string;
  country: string;
  month: string;
  title: string;
  body: string;
  categories: string[];
  watchFlag: boolean;
}

/** Every edit writes its revision into the body, so a change row says which version it left. */
export const revisionOf = (body: unknown): number | undefined => {
  const match = typeof body === 'string' ? /revision (\d+)\b/.exec(body) : null;
  return match ? Number(match[1]) : undefined;
};

/**
 * A JSON feed on 127.0.0.1 (ETag, 304) that changes on every `tick()`: a new event, and an
 * edit of an earlier one (its body's revision goes up; now and then its watch flag flips).
 * Categories and countries never change, so what an endpoint's filters match stays fixed.
 */
export async function startChangingFeed(random: () => number) {
  const server = await startSourceServer();
  const events = new Map<string, FeedEvent & { revision: number }>();
  let made = 0;
  let edits = 0;
  let timer: NodeJS.Timeout | undefined;

  const publish = () => {
    server.setFeed({ events: [...events.values()].map(({ revision: _, ...event }) => event) });
  };
  const bodyFor = (id: string, revision: number) =>
    `Chaos report ${id}, revision ${revision}. ${'Words to read. '.repeat(1 + Math.floor(random() * 8))}`;

  const tick = () => {
    made += 1;
    const id = `chaos-${String(made).padStart(5, '0')}`;
    events.set(id, {
      id,
      country: pick(random, FEED_COUNTRIES),
      month: `2026-${String(1 + Math.floor(random() * 11)).padStart(2, '0')}`,
      title: `Chaos event ${made}`,
      body: bodyFor(id, 1),
      categories: random() < 0.2 ? [] : [pick(random, categoryIds)],
      watchFlag: random() < 0.2,
      revision: 1,
    });
    const earlier = [...events.values()].filter((e) => e.id !== id);
    if (earlier.length > 0) {
      const event = pick(random, earlier);
      event.revision += 1;
      event.body = bodyFor(event.id, event.revision);
      if (random() < 0.3) event.watchFlag = !event.watchFlag;
      edits += 1;
    }
    publish();
  };

  publish();
  return {
    url: server.url('/feed.json'),
    tick,
    /** Ticks every `ms` until `stop()`. */
    start(ms: number) {
      timer = setInterval(tick, ms);
    },
    stop() {
      clearInterval(timer);
    },
    /** The latest revision of every event the feed has shown. */
    revisions: () => new Map([...events.values()].map((e) => [e.id, e.revision])),
    eventIds: () => [...events.keys()],
    counts: () => ({ events: made, edits }),
    close: () => server.close(),
  };
}

export type ChangingFeed = Awaited<ReturnType<typeof startChangingFeed>>;
