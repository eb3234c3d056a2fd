import { recordJobRun } from '../../jobs/job-metrics';
import type { Resources } from '../../resources';
import { type DispatchDeps, dispatchDue } from './delivery-loop';
import { fanOutChanges } from './fanout';
import { listenForWakeUps, type WakeUpListener } from './pg-listen-connection';
import { createWakeLatch, type WakeLatch } from './wake-latch';

/**
 * Moves new changes to webhook endpoints soon after they are appended. `kick()` starts a
 * fan-out (or asks the running one to go round once more) and wakes the dispatcher (or starts
 * one); the two run independently, so a dispatcher busy with a slow endpoint never holds up
 * the fan-out of new changes. Kicked after ingestion in this process, by PostgreSQL NOTIFY
 * from any instance (`listen()`), and by CRON_WEBHOOKS as a safety net.
 */
export interface WebhookPump {
  kick(): void;
  /** Resolves when no fan-out or dispatch is running or asked for. */
  idle(): Promise<void>;
  /** PostgreSQL: wake on every instance's appended changes and deliveries (a dedicated LISTEN connection). No-op on PGlite. */
  listen(): Promise<void>;
  stopListening(): Promise<void>;
}

/** What the pump needs: what a dispatch pass needs, and the pool its wake-ups LISTEN on (PostgreSQL only). */
export type WebhookPumpDeps = DispatchDeps & Pick<Resources, 'pool'>;

export function createWebhookPump(
  deps: WebhookPumpDeps,
  onError: (error: unknown) => void,
  /** Other consumers of the change log woken with it (instant alerts). */
  options: { onKick?: () => void } = {},
): WebhookPump {
  let fanningOut: Promise<void> | undefined;
  let fanOutAgain = false;
  let dispatcher: WakeLatch | undefined;
  const dispatching = new Set<Promise<unknown>>();
  let listener: WakeUpListener | undefined;

  const wakeDispatcher = () => {
    if (dispatcher?.notify()) return;
    const wake = createWakeLatch();
    dispatcher = wake;
    const run: Promise<unknown> = recordJobRun(deps, 'webhooks', () => dispatchDue(deps, { wake }))
      .catch(onError)
      .finally(() => {
        dispatching.delete(run);
        if (dispatcher === wake) dispatcher = undefined;
      });
    dispatching.add(run);
  };

  const fanOut = async () => {
    try {
      do {
        fanOutAgain = false;
        try {
          await fanOutChanges(deps, { onQueued: wakeDispatcher });
        } catch (error) {
          onError(error);
        }
      } while (fanOutAgain);
    } finally {
      fanningOut = undefined; // in the same step as the last check of fanOutAgain: no kick falls in between
    }
  };

  const kick = () => {
    options.onKick?.();
    wakeDispatcher();
    if (fanningOut) {
      fanOutAgain = true;
      return;
    }
    fanningOut = fanOut();
  };

  return {
    kick,
    async idle() {
      while (fanningOut || dispatching.size > 0) await Promise.all([fanningOut, ...dispatching]);
    },
    async listen() {
      if (!deps.pool) return;
      listener ??= listenForWakeUps(deps.pool, kick, deps.log);
      await listener.ready;
    },
    async stopListening() {
      await listener?.close();
      listener = undefined;
    },
  };
}
