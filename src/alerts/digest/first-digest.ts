import type { Frequency } from '../../db/database';
import { dayLabel, digestNoun, periodRange } from '../../templates/format';
import { nextDuePeriod } from './period';

export interface FirstDigest {
  /** When it is sent. */
  dueAt: Date;
  /** "1 January 2027", in the subscriber's time zone. */
  arrives: string;
  /** The days it covers: "1–31 December 2026". */
  covers: string;
}

/** The first digest of a subscriber who confirms at `confirmedAt`: the whole period open then. */
export function firstDigest(subscriber: { frequency: Frequency; timezone: string }, confirmedAt: Date): FirstDigest {
  const period = nextDuePeriod(subscriber.frequency, subscriber.timezone, confirmedAt);
  return {
    dueAt: period.dueAt,
    arrives: dayLabel(period.dueAt, subscriber.timezone),
    covers: periodRange(period.startAt.toISOString(), period.dueAt.toISOString(), subscriber.timezone),
  };
}

/**
 * "Your first monthly digest arrives on 1 January 2027, with the reports of 1–31 December 2026
 * that match your choices." Once that day has passed (a confirm link clicked again), when
 * digests arrive.
 */
export function firstDigestSentence(subscriber: { frequency: Frequency; timezone: string }, confirmedAt: Date, now: Date): string {
  const first = firstDigest(subscriber, confirmedAt);
  const noun = digestNoun(subscriber.frequency);
  if (first.dueAt > now)
    return `Your first ${noun} arrives on ${first.arrives}, with the reports of ${first.covers} that match your choices.`;
  return `Your ${noun} arrives ${subscriber.frequency === 'weekly' ? 'every Monday' : 'on the first day of every month'}.`;
}
