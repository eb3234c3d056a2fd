import { changeLogHead } from '../db/change-feed';
import type { Db } from '../db/database';

/** The change log's head is read again after this long at most (monotonic time), even if no append was heard of. */
export const HEAD_FRESH_MS = 1_000;
/** Rendered feed answers kept, in all (least recently used go first). */
const MAX_BYTES = 16 * 1024 * 1024;

/**
 * What makes the public feeds cheap to poll (this one for a Node process; the Worker's, which keeps
 * the same things in the Workers Cache API, is in edge-feed-cache.ts). Their answers depend only on the request and the
 * change log's head (the ETag says so), so:
 *
 * - the head is kept in memory, read again once `HEAD_FRESH_MS` old, and dropped at once
 *   whenever an append is heard of (this process's ingestion and, on PostgreSQL, every
 *   instance's NOTIFY kick the webhook pump, which calls `changed()`): a 304 costs no query;
 * - each rendered answer is kept under its ETag (until the head moves), so the same feed asked
 *   for again is one lookup instead of a query and a render. Concurrent misses share one render.
 *
 * A head read that an append overtook is not kept (a generation count), so the staleness is
 * bounded by the time the NOTIFY takes, and by `HEAD_FRESH_MS` when none comes; the answers
 * themselves say `Cache-Control: max-age=30` or more.
 */
export interface FeedCache {
  head(): Promise<number>;
  /** The answer kept under `etag`, if any, as the UTF-8 bytes sent (encoded once, not per request). */
  kept(etag: string): Promise<Uint8Array<ArrayBuffer> | undefined>;
  /** The answer under `etag`, rendered (once) when missing. */
  answer(etag: string, render: () => Promise<string>): Promise<Uint8Array<ArrayBuffer>>;
  /** A change was appended somewhere: read the head again. */
  changed(): void;
}

export function createFeedCache(db: Db): FeedCache {
  let generation = 0;
  let known: { head: number; readAt: number } | undefined;
  let reading: { generation: number; head: Promise<number> } | undefined;
  let answersHead = -1;
  const answers = new Map<string, Uint8Array<ArrayBuffer>>();
  const rendering = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  const utf8 = new TextEncoder();
  let bytes = 0;

  const keep = (etag: string, body: Uint8Array<ArrayBuffer>) => {
    answers.set(etag, body);
    bytes += body.byteLength;
    for (const [oldest, kept] of answers) {
      if (bytes <= MAX_BYTES) break;
      answers.delete(oldest);
      bytes -= kept.byteLength;
    }
  };

  return {
    head() {
      if (known && performance.now() - known.readAt < HEAD_FRESH_MS) return Promise.resolve(known.head);
      if (reading?.generation === generation) return reading.head;
      const startedIn = generation;
      const readAt = performance.now();
      const head = changeLogHead(db).then((value) => {
        if (startedIn === generation) known = { head: value, readAt };
        if (value !== answersHead) {
          // Answers of an older head can never be asked for again (their ETag names it).
          answersHead = value;
          answers.clear();
          bytes = 0;
        }
        return value;
      });
      reading = { generation: startedIn, head };
      head.then(
        () => {
          if (reading?.head === head) reading = undefined;
        },
        () => {
          if (reading?.head === head) reading = undefined;
        },
      );
      return head;
    },
    kept: (etag) => Promise.resolve(answers.get(etag)),
    answer(etag, render) {
      const kept = answers.get(etag);
      if (kept !== undefined) {
        answers.delete(etag); // most recently used last
        answers.set(etag, kept);
        return Promise.resolve(kept);
      }
      const running = rendering.get(etag);
      if (running) return running;
      const made = render().then((text) => {
        const body = utf8.encode(text);
        if (etag.startsWith(`"${answersHead}-`)) keep(etag, body);
        return body;
      });
      rendering.set(etag, made);
      made.then(
        () => rendering.delete(etag),
        () => rendering.delete(etag),
      );
      return made;
    },
    changed() {
      generation += 1;
      known = undefined;
    },
  };
}
