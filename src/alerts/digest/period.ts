import { DateTime } from 'luxon';
import type { Frequency } from '../../db/database';

/** Digests go out at this local hour: the first of the month (monthly) or Monday (weekly). */
export const SEND_HOUR = 9;

export interface DigestPeriod {
  /** Unique per subscriber and period: `2025-02` (monthly) or `2025-W06` (weekly). */
  key: string;
  /** When the digest is due: the period's end, 09:00 local time. */
  dueAt: Date;
  /** The previous send time: the start of what the digest covers. */
  startAt: Date;
  /** For people: "January 2025", or "Week of 27 January 2025". */
  label: string;
}

function scheduledAt(frequency: Frequency, local: DateTime): DateTime {
  const unit = frequency === 'monthly' ? 'month' : 'week'; // luxon weeks start on Monday
  return local.startOf(unit).set({ hour: SEND_HOUR });
}

/**
 * The latest period whose send time (09:00 in `timeZone`) is at or before `now`. Computed
 * on the local calendar, so DST changes and zones on either side of UTC keep 09:00 local.
 */
export function latestDuePeriod(frequency: Frequency, timeZone: string, now: Date): DigestPeriod {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const unit = frequency === 'monthly' ? { months: 1 } : { weeks: 1 };
  let due = scheduledAt(frequency, local);
  if (due > local) due = scheduledAt(frequency, local.minus(unit));
  const start = scheduledAt(frequency, due.minus(unit));
  return {
    key: frequency === 'monthly' ? due.toFormat('yyyy-MM') : due.toFormat("kkkk-'W'WW"),
    dueAt: due.toJSDate(),
    startAt: start.toJSDate(),
    label:
      frequency === 'monthly'
        ? start.setLocale('en-GB').toFormat('LLLL yyyy')
        : `Week of ${start.setLocale('en-GB').toFormat('d LLLL yyyy')}`,
  };
}

/**
 * The period open at `now`: the first whose send time is after it. A subscriber who confirms
 * at `now` gets this period's digest first, covering all of it (from `startAt`).
 */
export function nextDuePeriod(frequency: Frequency, timeZone: string, now: Date): DigestPeriod {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const later = local.plus(frequency === 'monthly' ? { months: 1 } : { weeks: 1 });
  return latestDuePeriod(frequency, timeZone, later.toJSDate());
}

/**
 * `latestDuePeriod` answered once per (frequency, zone, instant): a tick's claimed rows share
 * a handful of due times, and the calendar arithmetic costs more than the rest of a digest's links.
 */
export function periodCache(): (frequency: Frequency, timeZone: string, now: Date) => DigestPeriod {
  const periods = new Map<string, DigestPeriod>();
  return (frequency, timeZone, now) => {
    const key = `${frequency} ${timeZone} ${now.getTime()}`;
    let period = periods.get(key);
    if (!period) {
      period = latestDuePeriod(frequency, timeZone, now);
      periods.set(key, period);
    }
    return period;
  };
}
