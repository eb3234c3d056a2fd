/**
 * When a row not done this time is due again: the schedule's step for this retry (the last step
 * repeats), but never sooner than the other side asked (a Retry-After).
 */
export function retryAt(input: { now: Date; schedule: readonly number[]; retry: number; retryAfterMs?: number | undefined }): Date {
  const { schedule } = input;
  const step = schedule[Math.min(Math.max(0, input.retry), schedule.length - 1)] ?? 0;
  return new Date(input.now.getTime() + Math.max(step, input.retryAfterMs ?? 0));
}
