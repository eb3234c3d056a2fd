import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestDuePeriod } from '../src/alerts/digest/period';
import { runDigestTick } from '../src/alerts/digest/runner';
import { periodRange } from '../src/templates/format';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { readOutbox } from '../testkit/mailbox';

/** The days a digest covers, as its header shows them. */
const rangeOf = (frequency: 'monthly' | 'weekly', timeZone: string, now: string) => {
  const period = latestDuePeriod(frequency, timeZone, new Date(now));
  return periodRange(period.startAt.toISOString(), period.dueAt.toISOString(), timeZone);
};

describe('the period a digest covers, in days', () => {
  it('ends on the last day of the period, not on the day the next one starts', () => {
    expect(rangeOf('monthly', 'UTC', '2027-01-01T10:00:00Z')).toBe('1–31 December 2026');
    expect(rangeOf('weekly', 'UTC', '2026-12-28T10:00:00Z')).toBe('21–27 December 2026');
    expect(rangeOf('monthly', 'UTC', '2026-03-01T10:00:00Z')).toBe('1–28 February 2026');
  });

  it('names both months, or both years, when the period spans them', () => {
    expect(rangeOf('weekly', 'UTC', '2026-12-07T10:00:00Z')).toBe('30 November – 6 December 2026');
    expect(rangeOf('weekly', 'UTC', '2027-01-04T10:00:00Z')).toBe('28 December 2026 – 3 January 2027');
  });

  it("counts the days of the subscriber's time zone, on either side of UTC and across a DST change", () => {
    // 09:00 on 1 January in Kiritimati (UTC+14) is still 31 December in UTC.
    expect(rangeOf('monthly', 'Pacific/Kiritimati', '2026-12-31T20:00:00Z')).toBe('1–31 December 2026');
    expect(rangeOf('monthly', 'America/Los_Angeles', '2026-11-02T18:00:00Z')).toBe('1–31 October 2026');
    expect(rangeOf('weekly', 'Europe/Oslo', '2026-03-30T08:00:00Z')).toBe('23–29 March 2026');
  });

  it('shows nothing for a range that is not one', () => {
    expect(periodRange('not a date', '2026-12-01T00:00:00Z')).toBe('');
    expect(periodRange('2026-12-02T00:00:00Z', '2026-12-01T00:00:00Z')).toBe('');
  });
});

describe('digest emails show the range', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await seedSubscribers(t.deps, { count: 1, prefix: 'range-month', confirmedAt: new Date('2026-10-01T00:00:00Z') });
    await seedSubscribers(t.deps, {
      count: 1,
      prefix: 'range-week',
      frequency: 'weekly',
      timezone: 'Europe/Oslo',
      confirmedAt: new Date('2026-10-01T00:00:00Z'),
    });
  });
  afterAll(() => t.close());

  it('"1-31 December 2026" and "21-27 December 2026" in the text part, with a proper dash in the HTML', async () => {
    await runDigestTick(t.deps, { asOf: new Date('2026-12-28T08:05:00Z'), trigger: 'test' });
    await runDigestTick(t.deps, { asOf: new Date('2027-01-01T09:05:00Z'), trigger: 'test' });
    const mails = await readOutbox(t.deps.config.dataDir);
    const week = mails.filter((m) => m.to === 'range-week-0@example.org');
    const month = mails.filter((m) => m.to === 'range-month-0@example.org');
    expect(week.map((m) => m.subject)).toEqual(['Democracy Tracker weekly digest: Week of 21 December 2026 (no new reports)']);
    expect(week[0]!.text).toContain('\n21-27 December 2026 · No new reports\n');
    expect(week[0]!.html).toContain('21&#8211;27 December 2026');
    expect(month.map((m) => m.text.match(/\n(\d[^\n]*\d{4}) · /)?.[1]).sort()).toEqual(['1-30 November 2026', '1-31 December 2026']);
    expect(month.find((m) => m.subject.includes('December 2026'))!.html).toContain('1&#8211;31 December 2026');
  });
});
