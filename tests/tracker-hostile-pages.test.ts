import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetection } from '../src/alerts/detector/run-detection';
import { createTestApp, type TestApp } from '../testkit/app';
import { countryPageHtml, startTrackerSite } from '../testkit/tracker-site';

let site: Awaited<ReturnType<typeof startTrackerSite>>;
let t: TestApp;

beforeAll(async () => {
  site = await startTrackerSite();
  const kenya = countryPageHtml('Kenya');
  site.setPage('ghana', `${countryPageHtml('Ghana')}<!--${'x'.repeat(300_000)}-->`);
  site.setPage('mali', kenya.replace('<h1', `${'<div>'.repeat(5_000)}<h1`).replace('Kenya', 'Mali'));
  site.setPage('nigeria', Buffer.concat([Buffer.from(countryPageHtml('Nigeria').slice(0, 4000)), Buffer.from([0xff, 0xfe, 0xc3])]));
  site.setPage('senegal', countryPageHtml('Senegal').replace('Police raided', 'Police\u0000raided'));
  t = await createTestApp({
    TRACKER_BASE_URL: site.baseUrl,
    TRACKER_COUNTRIES: 'GHA,MLI,NGA,SEN,KEN',
    TRACKER_DELAY_MS: '0',
    SOURCE_MAX_BYTES: String(128 * 1024),
  });
}, 120_000);
afterAll(async () => {
  await t.close();
  await site.close();
});

describe('malformed and hostile tracker pages', () => {
  it('are each skipped with the reason recorded in the run; the rest of the run goes on', async () => {
    const outcome = await runDetection(t.deps, 'cli');
    if (!outcome.ran) throw new Error('detection did not run');
    const byCountry = Object.fromEntries(outcome.run.sources.map((s) => [s.url.split('/').at(-1), s]));
    expect(outcome.run.status).toBe('partial');
    expect(byCountry.ghana).toMatchObject({ status: 'failed', error: expect.stringMatching(/larger than the 131072 byte limit/) });
    expect(byCountry.mali).toMatchObject({ status: 'failed', error: 'HTML nested deeper than 1000 elements' });
    expect(byCountry.nigeria).toMatchObject({ status: 'failed', error: 'is not valid UTF-8' });
    expect(byCountry.senegal).toMatchObject({ status: 'failed', error: expect.stringMatching(/NUL character/) });
    expect(byCountry.kenya).toMatchObject({ status: 'changed', published: 5 });
    const stored = await t.deps.db.selectFrom('events').select('id').execute();
    expect(stored).toHaveLength(5);
    expect(stored.every((e) => e.id.startsWith('ken-'))).toBe(true);
  });
});
