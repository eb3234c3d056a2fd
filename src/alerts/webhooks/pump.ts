import { dispatchDue, type DispatchDeps } from './dispatcher';
import { recordJobRun } from '../../jobs/job-metrics';
import { fanOutChanges } from './fanout';

/**
 * Moves new changes to webhook endpoints soon after they are appended: `kick()` starts a
 * fan-out and a dispatch pass, or asks the running one to go round once more. Kicked after
 * ingestion, by PostgreSQL NOTIFY from other instances, and by CRON_WEBHOOKS as a safety net.
 */
export interface WebhookPump {
  kick(): void;
  /** Resolves when no pass is running or asked for. */
  idle(): Promise<void>;
  attach(deps: DispatchDeps): void;
}

export function createWebhookPump(onError: (error: unknown) => void): WebhookPump {
  let deps: DispatchDeps | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const pass = async () => {
    do {
      again = false;
      try {
        await recordJobRun(deps!, 'webhooks', async () => {
          await fanOutChanges(deps!);
          await dispatchDue(deps!);
        });
      } catch (error) {
        onError(error);
      }
    } while (again);
  };
  return {
    attach(d) {
      deps = d;
    },
    kick() {
      if (!deps) return;
      if (running) {
        again = true;
        return;
      }
      running = pass().finally(() => {
        running = undefined;
      });
    },
    async idle() {
      while (running) await running;
    },
  };
}
