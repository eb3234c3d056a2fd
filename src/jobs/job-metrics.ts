import type { Resources } from '../resources';

/**
 * Runs one job pass and records it: its duration by outcome (`ok` or `error`) and, when it
 * succeeds, the time of its last success (by the injected clock), which alerts watch.
 */
export async function recordJobRun<T>(deps: Pick<Resources, 'metrics' | 'clock'>, job: string, run: () => Promise<T>): Promise<T> {
  const timer = deps.metrics.jobDuration.startTimer({ job });
  try {
    const value = await run();
    timer({ outcome: 'ok' });
    deps.metrics.jobLastSuccess.set({ job }, deps.clock.now().getTime() / 1000);
    return value;
  } catch (error) {
    timer({ outcome: 'error' });
    throw error;
  }
}
