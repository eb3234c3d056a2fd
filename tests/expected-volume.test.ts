import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput } from '../src/alerts/event';
import { type CountryVolumeChange, type EventVolumeChange, estimateVolume } from '../src/alerts/expected-volume';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { ingestInputs, sampleEvent } from '../testkit/events';

const HOUR = 3_600_000;
const now = new Date('2025-07-01T00:00:00Z');
const at = (iso: string) => new Date(iso);
const change = (detectedAt: string, country: string, type: EventVolumeChange['type'], watchFlag = false): EventVolumeChange => ({
  eventId: `${country}-${detectedAt}`,
  type,
  detectedAt: at(detectedAt),
  event: { country, categories: ['rights'], factors: [], watchFlag },
});
const choices = {
  countries: ['KAZ'],
  regions: [],
  categories: [],
  frequency: 'monthly' as const,
  skipEmpty: false,
  instantAlerts: true,
  countryContext: false,
};

describe('expected volume (pure)', () => {
  const log = [
    change('2025-02-03T10:00:00Z', 'KAZ', 'event.published', true),
    change('2025-02-03T11:00:00Z', 'KAZ', 'event.watch_flag_raised', true),
    change('2025-02-03T12:00:00Z', 'KAZ', 'event.published', true),
    change('2025-02-03T20:00:00Z', 'KAZ', 'event.watch_flag_raised', true),
    change('2025-04-10T10:00:00Z', 'KAZ', 'event.updated'),
    change('2025-04-11T10:00:00Z', 'NOR', 'event.published', true),
    change('2024-12-01T10:00:00Z', 'KAZ', 'event.published', true), // older than six months
  ];

  it('counts matching reports, a digest per period, and instant alerts under the cap (one at once, the rest batched)', () => {
    // Flags at 10:00 (sent), 11:00 and 12:00 (held to 16:00, sent together), 20:00 (held to 22:00, sent): three alerts.
    expect(estimateVolume(choices, log, { now, minIntervalMs: 6 * HOUR })).toEqual({
      months: 6,
      since: '2025-01-01T00:00:00.000Z',
      reports: 5,
      countryChanges: 0,
      digests: 6,
      instantAlerts: 3,
      emails: 9,
    });
  });

  it('skipping empty digests counts only periods with news; weekly counts weeks; no instant alerts unless chosen', () => {
    expect(estimateVolume({ ...choices, skipEmpty: true, instantAlerts: false }, log, { now, minIntervalMs: 6 * HOUR })).toMatchObject({
      digests: 2,
      instantAlerts: 0,
      emails: 2,
    });
    expect(estimateVolume({ ...choices, frequency: 'weekly', instantAlerts: false }, log, { now, minIntervalMs: HOUR })).toMatchObject({
      digests: 26,
    });
    expect(estimateVolume({ ...choices, countries: [] }, log, { now, minIntervalMs: HOUR })).toMatchObject({
      reports: 6,
      instantAlerts: 5,
    });
  });
});

describe('expected volume of country context (pure)', () => {
  const context = (detectedAt: string, country: string, type: CountryVolumeChange['type'], changed: CountryVolumeChange['changed']) => ({
    countryId: country,
    type,
    detectedAt: at(detectedAt),
    changed,
  });
  const log = [
    change('2025-02-03T10:00:00Z', 'KAZ', 'event.published', true),
    context('2025-03-05T10:00:00Z', 'KAZ', 'country.facts_changed', { 'Head of state': { old: 'A', new: 'B' } }),
    context('2025-04-05T10:00:00Z', 'KAZ', 'country.ranking_changed', { Rights: { old: '107/173', new: '101/173' } }),
    context('2025-04-06T10:00:00Z', 'NOR', 'country.treaty_status_changed', { CAT: { old: 'Signatory', new: 'State party' } }),
    context('2024-12-05T10:00:00Z', 'KAZ', 'country.facts_changed', { 'Head of state': { old: 'Z', new: 'A' } }), // too old
  ];
  const skipping = { ...choices, skipEmpty: true };

  it("counts the chosen places' context changes, and the periods they fill, only when country context is chosen", () => {
    expect(estimateVolume({ ...skipping, countryContext: true }, log, { now, minIntervalMs: HOUR })).toEqual({
      months: 6,
      since: '2025-01-01T00:00:00.000Z',
      reports: 1,
      countryChanges: 2,
      digests: 3,
      instantAlerts: 1,
      emails: 4,
    });
    expect(estimateVolume(skipping, log, { now, minIntervalMs: HOUR })).toMatchObject({ countryChanges: 0, digests: 1, emails: 2 });
    // A ranking belongs to its category; Basic Information to none, so it matches any category choice (the report is Rights).
    expect(
      estimateVolume({ ...skipping, countryContext: true, categories: ['representation'] }, log, { now, minIntervalMs: HOUR }),
    ).toMatchObject({ reports: 0, countryChanges: 1, digests: 1 });
    expect(estimateVolume({ ...skipping, countryContext: true, countries: [] }, log, { now, minIntervalMs: HOUR })).toMatchObject({
      countryChanges: 3,
    });
  });
});

describe('expected volume (API and pages)', { timeout: 120_000 }, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    const ingestAt = async (iso: string, events: EventInput[]) => {
      t.clock.set(iso);
      await ingestInputs(t.deps, events);
    };
    await ingestAt('2025-03-02T10:00:00Z', [sampleEvent({ country: 'KAZ', watchFlag: true }), sampleEvent({ country: 'NOR' })]);
    await ingestAt('2025-05-02T10:00:00Z', [sampleEvent({ country: 'KAZ' })]);
    t.clock.set('2025-07-01T09:00:00Z');
  });
  afterAll(() => t.close());

  it('POST /v1/expected-volume answers the estimate from the change log', async () => {
    const res = await t.call('POST', '/v1/expected-volume', { countries: ['KAZ'], instantAlerts: true, skipEmpty: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      months: 6,
      since: '2025-01-01T09:00:00.000Z',
      reports: 2,
      countryChanges: 0,
      digests: 2,
      instantAlerts: 1,
      emails: 3,
    });
  });

  it('refuses bad choices with a problem naming the field, never a 500', async () => {
    const res = await t.call('POST', '/v1/expected-volume', { countries: ['XXX'] });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(await res.json())).toContain('countries');
  });

  it('the sign-up page and the preference centre say what to expect', async () => {
    const signup = await (await t.app.request('/')).text();
    expect(signup).toContain('What to expect');
    expect(signup).toContain('alerts for every country, monthly would have brought 3 reports in 6 digests: about 6 emails in all.');
    const [id] = await seedSubscribers(t.deps, { count: 1, prefix: 'volume', countries: ['KAZ'] });
    await t.deps.db.updateTable('subscribers').set({ instant_alerts: true }).where('id', '=', id!).execute();
    const row = await t.deps.db.selectFrom('subscribers').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    const token = t.deps.tokens.sign('manage', { publicId: row.public_id, version: row.token_version });
    const page = await (await t.app.request(`/preferences?token=${encodeURIComponent(token)}`)).text();
    expect(page).toContain(
      'your saved choices would have brought 2 reports in 6 digests and 1 instant watch-flag alert: about 7 emails in all.',
    );
  });
});
