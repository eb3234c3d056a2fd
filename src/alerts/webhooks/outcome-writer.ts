import { type FinishedAttempt, recordAttempts } from '../../db/webhook-deliveries';
import type { Resources } from '../../resources';

const DEADLOCK = '40P01';

/**
 * Finished attempts, written in batches: one statement per flush, and while it runs the next
 * batch gathers. A flush that fails loses only bookkeeping: those deliveries are still leased
 * and go out again when the lease ends (at least once, never lost).
 */
export function createOutcomeWriter(deps: Pick<Resources, 'db' | 'log'>, owner: string) {
  let buffer: FinishedAttempt[] = [];
  let writing: Promise<void> | undefined;
  const write = async (batch: FinishedAttempt[]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await recordAttempts(deps.db, owner, batch);
      } catch (error) {
        // Another multi-row update (a replay, an operator) may lock the same rows in another order.
        if ((error as { code?: string }).code === DEADLOCK && attempt < 3) continue;
        deps.log.error(
          { err: error, deliveries: batch.length },
          'webhook attempts not recorded: they are sent again when their lease ends',
        );
        return;
      }
    }
  };
  const drain = async () => {
    try {
      while (buffer.length > 0) {
        const batch = buffer;
        buffer = [];
        await write(batch);
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
