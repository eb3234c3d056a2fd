import pg from 'pg';
import type { Log } from '../../log';

/** Sent at commit by the triggers of migration 0009 (payload: the schema) when changes or deliveries are appended. */
export const WAKE_UP_CHANNEL = 'webhooks';
/** How the connection shows in pg_stat_activity. */
export const APPLICATION_NAME = 'tracker-alerts webhook wake-ups';
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

export interface WakeUpListener {
  /** Resolves once the first connection attempt is over (listening, or retrying later). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * LISTENs on a dedicated connection (same settings as the pool, outside it) and calls `onWake`
 * for each notification from our schema. A lost connection is opened again with backoff, and
 * every (re)connection calls `onWake` once for what may have been missed meanwhile; the cron
 * stays the safety net while it is down.
 */
export function listenForWakeUps(pool: pg.Pool, onWake: () => void, log: Log): WakeUpListener {
  let closed = false;
  let client: pg.Client | undefined;
  let retryMs = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const retryLater = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connecting = connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
  };

  const connect = async () => {
    const c = new pg.Client({ ...pool.options, application_name: APPLICATION_NAME });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      if (closed) return;
      log.warn({ err: error }, 'webhook wake-up connection lost: reconnecting (the cron still runs)');
      void c.end().catch(() => undefined);
      retryLater();
    };
    c.on('error', onLost);
    c.on('end', () => onLost());
    try {
      await c.connect();
      const { rows } = await c.query<{ schema: string }>('select current_schema() as schema');
      const schema = rows[0]!.schema;
      c.on('notification', (message) => {
        if (message.channel === WAKE_UP_CHANNEL && message.payload === schema) onWake();
      });
      await c.query(`listen ${WAKE_UP_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    retryMs = RECONNECT_MIN_MS;
    onWake();
  };

  let connecting = connect();
  return {
    ready: connecting,
    async close() {
      closed = true;
      clearTimeout(timer);
      await connecting;
      await client?.end().catch(() => undefined);
    },
  };
}
