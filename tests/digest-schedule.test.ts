import { describe, expect, it } from 'vitest';
import { latestDuePeriod } from '../src/alerts/digest/period';

const at = (iso: string) => new Date(iso);

describe("digest periods: 09:00 in the subscriber's time zone", () => {
  it('monthly: due on the first at 09:00 local, covering the month before', () => {
    const p = latestDuePeriod('monthly', 'Europe/Berlin', at('2025-02-01T08:00:00Z')); // 09:00 CET
    expect(p).toMatchObject({ key: '2025-02', label: 'January 2025' });
    expect(p.dueAt.toISOString()).toBe('2025-02-01T08:00:00.000Z');
    expect(p.startAt.toISOString()).toBe('2025-01-01T08:00:00.000Z');
    // A minute earlier, February's is not due yet: the latest due period is January's.
    expect(latestDuePeriod('monthly', 'Europe/Berlin', at('2025-02-01T07:59:00Z')).key).toBe('2025-01');
  });

  it('works on both sides of UTC: Auckland is due on the previous UTC day, Los Angeles later the same day', () => {
    const auckland = latestDuePeriod('monthly', 'Pacific/Auckland', at('2025-03-01T00:00:00Z'));
    expect(auckland.key).toBe('2025-03');
    expect(auckland.dueAt.toISOString()).toBe('2025-02-28T20:00:00.000Z'); // 09:00 NZDT
    const la = latestDuePeriod('monthly', 'America/Los_Angeles', at('2025-03-01T16:59:00Z'));
    expect(la.key).toBe('2025-02');
    expect(latestDuePeriod('monthly', 'America/Los_Angeles', at('2025-03-01T17:00:00Z')).key).toBe('2025-03');
  });

  it('keeps 09:00 local across DST changes', () => {
    // Europe moves to summer time on 30 March 2025: 1 April 09:00 CEST is 07:00 UTC.
    expect(latestDuePeriod('monthly', 'Europe/Berlin', at('2025-04-01T07:00:00Z')).dueAt.toISOString()).toBe('2025-04-01T07:00:00.000Z');
    expect(latestDuePeriod('monthly', 'Europe/Berlin', at('2025-04-01T06:59:00Z')).key).toBe('2025-03');
    // New York leaves summer time on 2 November 2025, a Sunday: Monday 3 November 09:00 EST is 14:00 UTC.
    const ny = latestDuePeriod('weekly', 'America/New_York', at('2025-11-03T14:00:00Z'));
    expect(ny).toMatchObject({ key: '2025-W45', label: 'Week of 27 October 2025' });
    expect(ny.startAt.toISOString()).toBe('2025-10-27T13:00:00.000Z'); // the Monday before, 09:00 EDT
  });

  it('weekly: due Mondays at 09:00 local, keyed by ISO week (also across a year end)', () => {
    const p = latestDuePeriod('weekly', 'UTC', at('2025-12-29T09:00:00Z'));
    expect(p.key).toBe('2026-W01');
    expect(latestDuePeriod('weekly', 'UTC', at('2026-01-04T23:00:00Z')).key).toBe('2026-W01');
    expect(latestDuePeriod('weekly', 'UTC', at('2026-01-05T09:00:00Z')).key).toBe('2026-W02');
  });
});
