import { recordJobRun } from '../../jobs/job-metrics';
import type { Resources } from '../../resources';
import { fanOutWatchFlags } from './fanout';
import { type InstantDeps, sendInstantAlerts } from './runner';

/**
 * Sends instant alerts within seconds of detection. `kick()` starts a pass (fan flagged changes
 * out to pending alerts, then send what may go) or asks the running one to go round once more.
 * Kicked with the webhook pump (after ingestion, and by every instance's NOTIFY of appended
 * changes), and by the `instantAlerts` job every minute, which also sends alerts held back by
 * the interval once it ends.
 */
export interface InstantPump {
  kick(): void;
  /** Resolves when no pass is running or asked for. */
  idle(): Promise<void>;
}

/** Senders at once on PostgreSQL (each claims its own alerts, SKIP LOCKED), so posts to the provider overlap; PGlite serves one. */
export const POSTGRES_SENDERS = 4;

export function createInstantPump(
  deps: InstantDeps & Pick<Resources, 'metrics' | 'dbKind'>,
  onError: (error: unknown) => void,
): InstantPump {
  const senders = deps.dbKind === 'postgres' ? POSTGRES_SENDERS : 1;
  let running: Promise<void> | undefined;
  let again = false;
  const pass = async () => {
    try {
      do {
        again = false;
        try {
          await recordJobRun(deps, 'instantAlerts', async () => {
            await fanOutWatchFlags(deps);
            await Promise.all(Array.from({ length: senders }, () => sendInstantAlerts(deps)));
          });
        } catch (error) {
          onError(error);
        }
      } while (again);
    } finally {
      running = undefined; // in the same step as the last check of `again`: no kick falls in between
    }
  };
  return {
    kick() {
      if (running) {
        again = true;
        return;
      }
      running = pass();
    },
    async idle() {
      while (running) await running;
    },
  };
}
