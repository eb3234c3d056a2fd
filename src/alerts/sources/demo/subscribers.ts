import type { Resources } from '../../../resources';

/**
 * Sample subscribers for the bundled demo (sample data, at example.org, which takes no mail):
 * with them a newcomer's `npm run digest` writes real-looking digests to the outbox at once.
 * Only seeded with the demo source and the outbox transport, never with Resend.
 */
const demoSubscribers = [
  {
    email: 'demo-central-asia@example.org',
    countries: ['KAZ'],
    regions: [],
    categories: [],
    frequency: 'monthly',
    timezone: 'Asia/Almaty',
  },
  {
    email: 'demo-rights-europe@example.org',
    countries: [],
    regions: ['Europe'],
    categories: ['rights'],
    frequency: 'monthly',
    timezone: 'Europe/Berlin',
  },
  {
    email: 'demo-everything@example.org',
    countries: [],
    regions: [],
    categories: [],
    frequency: 'weekly',
    timezone: 'America/Mexico_City',
  },
] as const;

/** Whether this configuration seeds the demo subscribers: the demo source and the outbox only. */
export function seedsDemoSubscribers(deps: Pick<Resources, 'config' | 'mailer'>): boolean {
  return deps.config.sourceUrls.length === 0 && !deps.config.tracker && deps.mailer.kind === 'outbox';
}

/** One line for the start-up banner, so nobody wonders where these subscribers came from. */
export function demoSubscribersNote(deps: Pick<Resources, 'config' | 'mailer'>): string | undefined {
  if (!seedsDemoSubscribers(deps)) return undefined;
  return (
    `demo: ${demoSubscribers.length} sample subscribers (demo-*@example.org, confirmed) are seeded so digests appear in the ` +
    'outbox at once; none with SOURCE_URLS, TRACKER_BASE_URL or Resend'
  );
}

export async function seedDemoSubscribers(deps: Pick<Resources, 'db' | 'clock' | 'config' | 'mailer'>): Promise<number> {
  if (!seedsDemoSubscribers(deps)) return 0;
  const confirmedAt = new Date(deps.clock.now().getTime() - 40 * 24 * 3600_000);
  const result = await deps.db
    .insertInto('subscribers')
    .values(
      demoSubscribers.map((s) => ({
        ...s,
        countries: [...s.countries],
        regions: [...s.regions],
        categories: [...s.categories],
        status: 'confirmed' as const,
        skip_empty: false,
        created_at: confirmedAt,
        updated_at: confirmedAt,
        confirmed_at: confirmedAt,
        consent_at: confirmedAt,
        consent_source: 'demo',
      })),
    )
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}
