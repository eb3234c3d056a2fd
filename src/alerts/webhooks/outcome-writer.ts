import { recordAttempts, type FinishedAttempt } from '../../db/webhook-deliveries';
import type { Deps } from '../../deps';

/**
 * Finished attempts, written in batches: one statement per flush, and while it runs the next
 * batch gathers. A flush that fails loses only bookkeeping: those deliveries are still leased
 * and go out again when the lease ends (at least once, never lost).
 */
export function createOutcomeWriter(deps: Pick<Deps, 'db' | 'log'>, owner: string) {
  let buffer: FinishedAttempt[] = [];
  let writing: Promise<void> | undefined;
  const drain = async () => {
    try {
      while (buffer.length > 0) {
        const batch = buffer;
        buffer = [];
        try {
          await recordAttempts(deps.db, owner, batch);
        } catch (error) {
          deps.log.error({ err: error, deliveries: batch.length }, 'webhook attempts not recorded: they are sent again when their lease ends');
        }
      }
    } finally {
      writing = undefined;
    }
  };
  return {
    add(finished: FinishedAttempt) {
      buffer.push(finished);
      writing ??= drain();
    },
    /** Resolves when everything added so far is written. */
    async settled() {
      while (writing) await writing;
    },
  };
}

export type OutcomeWriter = ReturnType<typeof createOutcomeWriter>;
