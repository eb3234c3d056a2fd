import type { Language } from '../src/db/database';
import { findSubscriberByEmail } from '../src/db/subscribers';
import { subscriberLinks } from '../src/subscribers/links';
import type { TestApp } from './app';
import { seedSubscribers } from './digests';
import { sampleEvent } from './events';
import { linkIn, readOutbox } from './mailbox';

export interface SubscriberPageLinks {
  email: string;
  /** Paths with their query, relative to the app's origin. */
  confirm: string;
  manage: string;
  unsubscribe: string;
  /** The web version of the digest this subscriber was sent. */
  view: string;
}

const relative = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

/**
 * A confirmed subscriber for KAZ who was sent one digest (a new report in Spanish with a watch flag),
 * and every link their emails carry, reading in `language`. `t`'s clock must be at or after 2025-02-01T09:00Z.
 */
export async function subscriberWithDigest(t: TestApp, prefix: string, language: Language = 'en'): Promise<SubscriberPageLinks> {
  await seedSubscribers(t.deps, { count: 1, prefix, countries: ['KAZ'], confirmedAt: new Date('2025-01-05T00:00:00Z') });
  const email = `${prefix}-0@example.org`;
  await t.deps.db.updateTable('subscribers').set({ language }).where('email', '=', email).execute();
  // Given in Spanish by its source: readers of other languages see it said, with its texts marked lang="es".
  const event = sampleEvent({ id: `${prefix}-report`, country: 'KAZ', title: 'Satirist arrested', watchFlag: true, language: 'es' });
  const ingested = await t.call('POST', '/v1/admin/events', { events: [event] }, { admin: true });
  if (ingested.status !== 200) throw new Error(`ingest answered ${ingested.status}`);
  const run = await t.call('POST', '/v1/admin/digests/run', { now: t.clock.now().toISOString() }, { admin: true });
  if (run.status !== 200) throw new Error(`digest run answered ${run.status}`);
  await t.deps.background.idle();
  const digest = (await readOutbox(t.deps.config.dataDir)).find((m) => m.to === email);
  if (!digest) throw new Error(`no digest for ${email}`);
  const row = await findSubscriberByEmail(t.deps.db, email);
  if (!row) throw new Error(`no subscriber ${email}`);
  const links = subscriberLinks(t.deps, row);
  return {
    email,
    confirm: relative(links.confirm()),
    manage: relative(links.manage()),
    unsubscribe: relative(links.unsubscribe()),
    view: linkIn(digest, '/digests/view'),
  };
}
