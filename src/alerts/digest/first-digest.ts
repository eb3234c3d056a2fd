import type { Frequency, Language } from '../../db/database';
import { messagesFor } from '../../i18n';
import { dayLabel, periodRange } from '../../templates/format';
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
export function firstDigest(
  subscriber: { frequency: Frequency; timezone: string },
  confirmedAt: Date,
  language: Language = 'en',
): FirstDigest {
  const period = nextDuePeriod(subscriber.frequency, subscriber.timezone, confirmedAt);
  return {
    dueAt: period.dueAt,
    arrives: dayLabel(period.dueAt, subscriber.timezone, language),
    covers: periodRange(period.startAt.toISOString(), period.dueAt.toISOString(), subscriber.timezone, language),
  };
}

/**
 * "Your first monthly digest arrives on 1 January 2027, with the reports of 1–31 December 2026
 * that match your choices." Once that day has passed (a confirm link clicked again), when
 * digests arrive.
 */
export function firstDigestSentence(
  subscriber: { frequency: Frequency; timezone: string; language?: Language },
  confirmedAt: Date,
  now: Date,
): string {
  const language = subscriber.language ?? 'en';
  const t = messagesFor(language);
  const first = firstDigest(subscriber, confirmedAt, language);
  const noun = t.nouns[subscriber.frequency];
  if (first.dueAt > now) return t.confirmed.first(noun, first.arrives, first.covers);
  return subscriber.frequency === 'weekly' ? t.confirmed.weeklyAfter(noun) : t.confirmed.monthlyAfter(noun);
}
