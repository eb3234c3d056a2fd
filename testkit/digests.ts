import type { Frequency } from '../src/db/database';
import { createResendMailer } from '../src/email/resend';
import type { Deps } from '../src/services';
import { ingestInputs, sampleEvent } from './events';

export interface SeedOptions {
  count: number;
  prefix: string;
  timezone?: string;
  frequency?: Frequency;
  confirmedAt?: Date;
  countries?: string[];
  categories?: string[];
  skipEmpty?: boolean;
}

/** Confirmed subscribers inserted directly (500 per statement); returns their ids. */
export async function seedSubscribers(deps: Pick<Deps, 'db'>, o: SeedOptions): Promise<number[]> {
  const ids: number[] = [];
  const at = o.confirmedAt ?? new Date('2025-01-10T00:00:00Z');
  for (let start = 0; start < o.count; start += 500) {
    const rows = Array.from({ length: Math.min(500, o.count - start) }, (_, i) => ({
      email: `${o.prefix}-${start + i}@example.org`,
      status: 'confirmed' as const,
      countries: o.countries ?? [],
      regions: [],
      categories: o.categories ?? [],
      frequency: o.frequency ?? ('monthly' as const),
      timezone: o.timezone ?? 'UTC',
      skip_empty: o.skipEmpty ?? false,
      created_at: at,
      updated_at: at,
      confirmed_at: at,
      consent_at: at,
      consent_source: 'api',
    }));
    const inserted = await deps.db.insertInto('subscribers').values(rows).returning('id').execute();
    ids.push(...inserted.map((r) => Number(r.id)));
  }
  return ids;
}

/** Publishes events (through the real ingest path) for the given countries. */
export async function publishEvents(deps: Pick<Deps, 'db' | 'clock' | 'metrics'>, countries: string[], perCountry = 2) {
  const events = countries.flatMap((country) => Array.from({ length: perCountry }, () => sampleEvent({ country })));
  await ingestInputs(deps, events);
  return events;
}

/** A Resend mailer for tests: the real SDK against the fake, with short timeouts and no real waiting. */
export function fastResendMailer(deps: Pick<Deps, 'clock' | 'config'>, baseUrl: string, attemptTimeoutMs = 10_000) {
  return createResendMailer({
    apiKey: 're_test_fake_key',
    baseUrl,
    defaultFrom: deps.config.emailFrom,
    clock: deps.clock,
    attemptTimeoutMs,
    retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 60_000 },
    sleep: async () => undefined,
  });
}
