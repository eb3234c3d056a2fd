import { createInstantPump, type InstantPump } from './alerts/instant/pump';
import { createWebhookPump, type WebhookPump } from './alerts/webhooks/pump';
import { type BackgroundTasks, createBackgroundTasks } from './background';
import { readQueueDepths } from './db/queue-depth';
import { createEdgeFeedCache } from './http/edge-feed-cache';
import { createFeedCache, type FeedCache } from './http/feed-cache';
import { createRateLimits, type RateLimits } from './http/rate-limits';
import { createProcessLocks, type ProcessLocks } from './jobs/singleton';
import type { Resources } from './resources';
import { createNoticePump, type NoticePump } from './subscribers/notices';

/** The app's long-lived services, built from the resources by `createServices`. */
export interface Services {
  /** Work started by a request and finished after its answer (emails of sign-ups). */
  background: BackgroundTasks;
  rateLimits: RateLimits;
  /** Singleton jobs running in this process (see jobs/singleton.ts). */
  processLocks: ProcessLocks;
  /** Sends queued sign-up notices soon after they are queued (see subscribers/notices.ts). */
  noticePump: NoticePump;
  /** Fans new changes out to webhook endpoints and delivers them (see alerts/webhooks/pump.ts). */
  webhookPump: WebhookPump;
  /** Sends instant watch-flag alerts soon after detection, woken with the webhook pump (see alerts/instant/pump.ts). */
  instantPump: InstantPump;
  /** The public feeds' change-log head and rendered answers (see http/feed-cache.ts), told of appends with the webhook pump's kicks. */
  feedCache: FeedCache;
}

/**
 * Everything the routes, the app and the entry points use. Modules under src/alerts,
 * src/subscribers and src/jobs take a Pick of the resources and the services they call instead,
 * so none of them imports this file.
 */
export type Deps = Resources & Services;

/**
 * Builds the services in order, each from the resources and the services before it: every
 * pump is whole when it is built, so a kick is never dropped. No I/O happens here; the Node
 * and Worker entries and the test kit all go through it.
 */
export function createServices(resources: Resources): Services {
  const { log } = resources;
  const background = createBackgroundTasks((name, error) => log.error({ err: error, task: name }, 'background task failed'));
  const rateLimits = createRateLimits();
  const processLocks = createProcessLocks();
  const noticePump = createNoticePump(resources, background);
  const instantPump = createInstantPump(resources, (error) => log.error({ err: error }, 'instant alert pass failed'));
  const feedCache = resources.httpCache
    ? createEdgeFeedCache(resources.db, resources.httpCache, { origin: new URL(resources.config.publicBaseUrl).origin, background })
    : createFeedCache(resources.db);
  const webhookPump = createWebhookPump(resources, (error) => log.error({ err: error }, 'webhook pass failed'), {
    // Kicked after every append in this process and at every instance's NOTIFY: the log moved.
    onKick: () => {
      feedCache.changed();
      instantPump.kick();
    },
  });
  resources.metrics.observeQueues(
    () => readQueueDepths(resources.db, resources.clock.now()),
    (error) => log.warn({ err: error }, 'metrics: cannot read the queue depths'),
  );
  return { background, rateLimits, processLocks, noticePump, webhookPump, instantPump, feedCache };
}

/**
 * Resources and services in one value, for the app, the routes and the entry points. The services
 * are added to the resources object itself: the pumps hold that object, so they use whatever a
 * test swaps into it afterwards (`t.deps.mailer = ...`), as the routes do.
 */
export function createDeps(resources: Resources): Deps {
  return Object.assign(resources, createServices(resources));
}

/** Resolves when the work the services started (webhook passes, sign-up emails) is done: the end of a command or a Worker invocation. */
export async function servicesIdle(services: Pick<Services, 'webhookPump' | 'instantPump' | 'background'>): Promise<void> {
  await services.webhookPump.idle();
  await services.instantPump.idle();
  await services.background.idle();
}
