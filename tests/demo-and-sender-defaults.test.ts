import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoSubscribersNote } from '../src/alerts/sources/demo/subscribers';
import { demoSourceUrls, parseSourceDocument } from '../src/alerts/sources/index';
import { parseConfig } from '../src/config';
import { findTrackerCountry } from '../src/taxonomy/tracker-countries';
import { DEFAULT_SITE_NAME } from '../src/templates/format';

const months = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const readDemo = (url: string) => parseSourceDocument(readFileSync(fileURLToPath(url), 'utf8'), undefined, url);

describe('demo and sender defaults', () => {
  it('the default sender signs with the name every email uses', () => {
    expect(parseConfig({}).emailFrom).toBe(`${DEFAULT_SITE_NAME} <alerts@localhost>`);
  });

  it("every demo event links to the tracker's report page for its country and month", () => {
    const events = demoSourceUrls().flatMap((url) => readDemo(url).events);
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) {
      const slug = findTrackerCountry(event.country)!.slug;
      const [year, month] = event.month.split('-');
      const report = `https://www.idea.int/democracytracker/report/${slug}/${months[Number(month) - 1]}-${year}`;
      // The tracker page adapter gives every report its country page (one url whichever page it was read from).
      const country = `https://www.idea.int/democracytracker/country/${slug}`;
      expect([report, country], event.id).toContain(event.url);
    }
  });

  it('the start-up banner names the demo subscribers when they are seeded, and only then', () => {
    const outbox = { kind: 'outbox' } as const;
    expect(demoSubscribersNote({ config: parseConfig({}), mailer: outbox } as never)).toMatch(/^demo: 3 sample subscribers/);
    expect(
      demoSubscribersNote({ config: parseConfig({ SOURCE_URLS: 'https://example.org/feed.json' }), mailer: outbox } as never),
    ).toBeUndefined();
    expect(demoSubscribersNote({ config: parseConfig({}), mailer: { kind: 'resend' } } as never)).toBeUndefined();
  });
});
