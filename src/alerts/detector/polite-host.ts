import {
  type FetchedSource,
  type FetchLimits,
  fetchSource,
  SourceFetchError,
  type SourceReaders,
  SourceStatusError,
  type Validators,
} from './fetch-source';

/** Answers that ask a crawler to slow down: wait and ask again. */
const BACK_OFF_STATUSES = new Set([429, 503]);
const MAX_ATTEMPTS = 4;
/** A longer Retry-After than this leaves the page for the next run instead of holding the run. */
const MAX_WAIT_MS = 120_000;

/**
 * Politeness towards one host: at most `concurrency` requests at once, starts at least
 * `delayMs` apart, and a pause every request waits out after a 429 or 503. One per crawl.
 */
export class PoliteHost {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;

  constructor(
    private readonly concurrency: number,
    private delayMs: number,
    private readonly readers: SourceReaders = {},
  ) {}

  /** A longer pause between starts (robots.txt's Crawl-delay); never a shorter one. */
  slowTo(delayMs: number): void {
    this.delayMs = Math.max(this.delayMs, delayMs);
  }

  /** Runs `request` when a slot is free and the host's next start time has come. */
  async run<T>(request: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      for (let wait = this.nextStart - Date.now(); wait > 0; wait = this.nextStart - Date.now()) await sleep(wait);
      this.nextStart = Date.now() + this.delayMs;
      return await request();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }

  /** Holds every request to this host until `until` (epoch ms). */
  pauseUntil(until: number): void {
    this.nextStart = Math.max(this.nextStart, until);
  }

  /**
   * A conditional fetch through the host's limits; a 429 or 503 pauses the host for its
   * Retry-After (or a doubling wait without one) and asks again, a few times at most.
   */
  async fetch(url: string, previous: Validators, limits: FetchLimits): Promise<FetchedSource> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.run(() => fetchSource(url, previous, limits, this.readers));
      } catch (error) {
        if (!(error instanceof SourceStatusError) || !BACK_OFF_STATUSES.has(error.status)) throw error;
        const waitMs = retryAfterMs(error.retryAfter, Date.now()) ?? 1000 * 2 ** attempt;
        if (waitMs > MAX_WAIT_MS)
          throw new SourceFetchError(`answered HTTP ${error.status} with Retry-After ${Math.ceil(waitMs / 1000)} s: left for the next run`);
        if (attempt >= MAX_ATTEMPTS) throw new SourceFetchError(`answered HTTP ${error.status} ${attempt} times: left for the next run`);
        this.pauseUntil(Date.now() + waitMs);
      }
    }
  }
}

/** Retry-After as milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
