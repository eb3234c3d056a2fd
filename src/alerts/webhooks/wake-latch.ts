/**
 * An in-process latch that never loses a wake-up: `notify()` makes the current or the next
 * `wait()` return at once. A closed latch refuses notifications, so whoever notifies knows to
 * start a new runner.
 */
export interface WakeLatch {
  /** False when the latch is closed (its runner has finished). */
  notify(): boolean;
  /** Takes the pending notification: true when something notified since the last take. */
  take(): boolean;
  wait(): Promise<void>;
  close(): void;
}

export function createWakeLatch(): WakeLatch {
  let pending = false;
  let closed = false;
  let release: (() => void) | undefined;
  return {
    notify() {
      if (closed) return false;
      pending = true;
      release?.();
      release = undefined;
      return true;
    },
    take() {
      const was = pending;
      pending = false;
      return was;
    },
    async wait() {
      if (pending) return;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    close() {
      closed = true;
    },
  };
}
