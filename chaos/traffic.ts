import { pick } from '../testkit/random';
import { FEED_COUNTRIES } from './feed';

export interface TrafficStats {
  requests: number;
  /** By answer: `200`, `202`, `429`, ..., or `refused` / `reset` / `timeout` when no answer came (a killed instance). */
  byStatus: Record<string, number>;
  /** Every 5xx answered, with its route and the start of its body. */
  serverErrors: { route: string; status: number; body: string }[];
}

/**
 * A steady trickle of HTTP requests to every instance, up or not: reads of the events API, one
 * event, the taxonomy, liveness, and sign-ups (each from its own forwarded client address, so
 * the per-address rate limit lets most through; now and then one form sent twice at once, to
 * two instances, as a double click behind a load balancer would). Every answer's status is counted.
 */
export function startTraffic(input: { urls: () => string[]; intervalMs: number; random: () => number; eventIds: () => string[] }) {
  const stats: TrafficStats = { requests: 0, byStatus: {}, serverErrors: [] };
  const pending = new Set<Promise<void>>();
  let signups = 0;
  const count = (key: string) => {
    stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
  };

  const request = (): { route: string; path: string; init?: RequestInit } => {
    const r = input.random();
    if (r < 0.35) return { route: 'GET /v1/events', path: `/v1/events?country=${pick(input.random, FEED_COUNTRIES)}&limit=20` };
    if (r < 0.55) {
      const ids = input.eventIds();
      return { route: 'GET /v1/events/:id', path: `/v1/events/${ids.length ? pick(input.random, ids) : 'chaos-00001'}` };
    }
    if (r < 0.65) return { route: 'GET /healthz', path: '/healthz' };
    if (r < 0.75) return { route: 'GET /v1/countries', path: input.random() < 0.5 ? '/v1/countries' : '/v1/categories' };
    signups += 1;
    const body = {
      email: `signup-${signups}-${Math.floor(input.random() * 1e9)}@visitors.example`,
      countries: [pick(input.random, FEED_COUNTRIES)],
      frequency: 'weekly',
      timezone: 'Europe/Berlin',
    };
    return {
      route: 'POST /v1/subscriptions',
      path: '/v1/subscriptions',
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': `10.${signups % 250}.${Math.floor(input.random() * 250)}.${Math.floor(input.random() * 250)}`,
        },
        body: JSON.stringify(body),
      },
    };
  };

  const send = async (base: string, { route, path, init }: ReturnType<typeof request>) => {
    stats.requests += 1;
    try {
      const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      count(String(response.status));
      if (response.status >= 500) stats.serverErrors.push({ route, status: response.status, body: text.slice(0, 300) });
    } catch (error) {
      const name = (error as Error).name;
      const code = (error as { cause?: { code?: string } }).cause?.code;
      count(name === 'TimeoutError' ? 'timeout' : code === 'ECONNREFUSED' ? 'refused' : 'reset');
    }
  };

  const timer = setInterval(() => {
    const urls = input.urls();
    const planned = request();
    const twice = planned.route === 'POST /v1/subscriptions' && input.random() < 0.2;
    const bases = twice ? [urls[0]!, urls[1 % urls.length]!] : [pick(input.random, urls)];
    for (const base of bases) {
      const task = send(base, planned).finally(() => pending.delete(task));
      pending.add(task);
    }
  }, input.intervalMs);

  return {
    stats,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
    },
  };
}
