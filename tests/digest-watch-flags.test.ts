import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigestTick } from '../src/alerts/digest/runner';
import { WATCH_FLAG_NOTE } from '../src/templates/digest-view';
import { createTestApp, type TestApp } from '../testkit/app';
import { seedSubscribers } from '../testkit/digests';
import { sampleEvent } from '../testkit/events';
import { type ReceivedEmail, readOutbox } from '../testkit/mailbox';

let t: TestApp;
const ingest = (events: unknown[]) => t.call('POST', '/v1/admin/events', { events }, { admin: true });
const mailTo = async (email: string) => (await readOutbox(t.deps.config.dataDir)).filter((m) => m.to === email);

/** The report's part of the HTML: from its title to the next report or the end of the list. */
function reportHtml(mail: ReceivedEmail, title: string): string {
  const at = mail.html.indexOf(title);
  expect(at, title).toBeGreaterThan(0);
  const rest = mail.html.slice(at);
  const end = rest.search(/<hr|<\/td>/);
  return end < 0 ? rest : rest.slice(0, end);
}
/** The report's part of the text: from its badge line to the blank line after it. */
const reportText = (mail: ReceivedEmail, title: string) =>
  /\[[^\]]+\] [^\n]+\n(?:[^\n]+\n)*/.exec(mail.text.slice(mail.text.indexOf(title) - 40))![0];

const flaggedNew = sampleEvent({ id: 'wf-new-flagged', country: 'GEO', title: 'Opposition leader detained', watchFlag: true });
const plainNew = sampleEvent({ id: 'wf-new-plain', country: 'GEO', title: 'Local council elected' });
const laterFlagged = sampleEvent({ id: 'wf-raised', country: 'GEO', title: 'Media law drafted' });
const quiet = sampleEvent({ id: 'wf-quiet', country: 'ARM', title: 'Court reform adopted' });

beforeAll(async () => {
  t = await createTestApp();
  await seedSubscribers(t.deps, { count: 1, prefix: 'wf-geo', countries: ['GEO'] });
  await seedSubscribers(t.deps, { count: 1, prefix: 'wf-arm', countries: ['ARM'] });
  // Published before the subscribers' cursor: only the flag raised on it later is new to them.
  expect((await ingest([laterFlagged])).status).toBe(200);
  await sql`update subscribers set digest_cursor = (select max(id) from changes)`.execute(t.deps.db);
  expect((await ingest([flaggedNew, plainNew, quiet, { ...laterFlagged, watchFlag: true }])).status).toBe(200);
  await runDigestTick(t.deps, { asOf: new Date('2025-02-01T09:05:00Z'), trigger: 'test' });
});
afterAll(() => t.close());

describe('watch flags in the digest', () => {
  it('a report published with a watch flag shows "New" and the flag under its title, in HTML and text', async () => {
    const [mail] = await mailTo('wf-geo-0@example.org');
    const html = reportHtml(mail!, 'Opposition leader detained');
    expect(html).toMatch(/<\/h3><p class="w">&#9873; Watch flag<\/p>/);
    const text = reportText(mail!, 'Opposition leader detained');
    expect(text).toMatch(/^\[NEW\] Opposition leader detained\nWatch flag\n/);
  });

  it('a flag raised on a report shows too; an unflagged report shows none', async () => {
    const [mail] = await mailTo('wf-geo-0@example.org');
    expect(reportText(mail!, 'Media law drafted')).toMatch(/^\[WATCH FLAG RAISED\] Media law drafted\n/);
    expect(reportHtml(mail!, 'Media law drafted')).toContain('class="w"');
    expect(reportText(mail!, 'Media law drafted')).toContain('\nWatch flag\n');
    expect(reportHtml(mail!, 'Local council elected')).not.toContain('class="w"');
    expect(reportText(mail!, 'Local council elected')).not.toContain('Watch flag');
  });

  it('says once, in plain words, what a watch flag is, and the subject says the digest holds flagged reports', async () => {
    const [mail] = await mailTo('wf-geo-0@example.org');
    expect(mail!.subject).toBe('Democracy Tracker monthly digest: January 2025 (3 reports, 2 with a watch flag)');
    expect(mail!.text.split(WATCH_FLAG_NOTE)).toHaveLength(2);
    expect(mail!.html.split(WATCH_FLAG_NOTE)).toHaveLength(2);
  });

  it('a digest without flagged reports has neither the explanation nor the flag in its subject', async () => {
    const [mail] = await mailTo('wf-arm-0@example.org');
    expect(mail!.subject).toBe('Democracy Tracker monthly digest: January 2025 (1 report)');
    expect(mail!.text).not.toContain('Watch flag');
    expect(mail!.html).not.toContain('Watch flag');
  });
});
