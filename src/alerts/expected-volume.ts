import type { ChangeType, CountryChangeType } from '../db/change-types';
import type { ChangedValues } from '../db/changes';
import { countryChangeMatches } from './country-change-view';
import { type MatchableEvent, type MatchFilters, matchesFilters } from './match';

/** One event change of the log with what matching needs of its event. */
export interface EventVolumeChange {
  eventId: string;
  type: ChangeType;
  detectedAt: Date;
  event: MatchableEvent & { watchFlag: boolean };
}

/** One country context change of the log with what matching needs (a ranking or trend names its category). */
export interface CountryVolumeChange {
  countryId: string;
  type: CountryChangeType;
  detectedAt: Date;
  changed: ChangedValues;
}

export type VolumeChange = EventVolumeChange | CountryVolumeChange;

const isCountryVolumeChange = (change: VolumeChange): change is CountryVolumeChange => 'countryId' in change;

export interface VolumeChoices extends MatchFilters {
  frequency: 'monthly' | 'weekly';
  skipEmpty: boolean;
  instantAlerts: boolean;
  countryContext: boolean;
}

export interface ExpectedVolume {
  /** The estimate looks back this many months, from `since`. */
  months: number;
  since: string;
  /** Distinct reports that were published or changed in the choices. */
  reports: number;
  /** Country context changes (facts, treaties, rankings, trends) of the chosen places; 0 when country context is not chosen. */
  countryChanges: number;
  digests: number;
  /** Instant watch-flag alerts under the interval; 0 when not chosen. */
  instantAlerts: number;
  emails: number;
}

export const LOOKBACK_MONTHS = 6;
const WEEK_MS = 7 * 86_400_000;
const MONDAY = Date.UTC(1970, 0, 5);

/** When the estimate starts: LOOKBACK_MONTHS before `now`. */
export function volumeSince(now: Date): Date {
  const since = new Date(now);
  since.setUTCMonth(since.getUTCMonth() - LOOKBACK_MONTHS);
  return since;
}

/** Instant alerts a run of flags would have sent: one at once, then at most one per interval with what came meanwhile. */
function cappedAlerts(flags: readonly number[], intervalMs: number, now: number): number {
  let sent = 0;
  let nextFree = Number.NEGATIVE_INFINITY;
  let held: number | undefined;
  for (const at of flags) {
    if (held !== undefined && held <= at) {
      sent += 1;
      nextFree = held + intervalMs;
      held = undefined;
    }
    if (held !== undefined) continue;
    if (at >= nextFree) {
      sent += 1;
      nextFree = at + intervalMs;
    } else held = nextFree;
  }
  return sent + (held !== undefined && held <= now ? 1 : 0);
}

/**
 * Pure: roughly what a selection would have brought over the last months, from the change log:
 * the reports it matched, the country context changes when it chose them, the digests (every
 * period, or only those with news or country context when empty ones are skipped) and the instant
 * alerts under the cap (watch flags only: country context never sends an instant alert).
 * Periods are counted in UTC.
 */
export function estimateVolume(
  choices: VolumeChoices,
  changes: readonly VolumeChange[],
  input: { now: Date; minIntervalMs: number },
): ExpectedVolume {
  const since = volumeSince(input.now);
  const inWindow = changes.filter((c) => c.detectedAt >= since && c.detectedAt <= input.now);
  const matching = inWindow.filter((c): c is EventVolumeChange => !isCountryVolumeChange(c) && matchesFilters(c.event, choices));
  const context = choices.countryContext
    ? inWindow.filter((c): c is CountryVolumeChange => isCountryVolumeChange(c) && countryChangeMatches(c, choices))
    : [];
  const periodOf = (at: Date) =>
    choices.frequency === 'monthly' ? at.toISOString().slice(0, 7) : String(Math.floor((at.getTime() - MONDAY) / WEEK_MS));
  const allPeriods = choices.frequency === 'monthly' ? LOOKBACK_MONTHS : Math.round((input.now.getTime() - since.getTime()) / WEEK_MS);
  const digests = choices.skipEmpty ? new Set([...matching, ...context].map((c) => periodOf(c.detectedAt))).size : allPeriods;
  const flags = matching
    .filter((c) => c.type === 'event.watch_flag_raised' || (c.type === 'event.published' && c.event.watchFlag))
    .map((c) => c.detectedAt.getTime())
    .sort((a, b) => a - b);
  const instantAlerts = choices.instantAlerts ? cappedAlerts(flags, input.minIntervalMs, input.now.getTime()) : 0;
  return {
    months: LOOKBACK_MONTHS,
    since: since.toISOString(),
    reports: new Set(matching.map((c) => c.eventId)).size,
    countryChanges: context.length,
    digests,
    instantAlerts,
    emails: digests + instantAlerts,
  };
}
