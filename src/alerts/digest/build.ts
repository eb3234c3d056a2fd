import type { Language } from '../../db/database';
import type { ClaimedDigest } from '../../db/digests';
import type { Resources } from '../../resources';
import { subscriberLinks } from '../../subscribers/links';
import { choicesOf } from '../../subscribers/notices';
import type { DigestModel } from '../../templates/models';
import { feedLinks } from '../change-feeds';
import { composeDigest } from './compose';
import { latestDuePeriod } from './period';
import type { ChangeWindow } from './window';

/** The digest id a preview's links carry (a dry run records no digest): the nil uuid, which names none. */
export const PREVIEW_DIGEST_ID = '00000000-0000-0000-0000-000000000000';

export type BuiltDigest = { kind: 'send'; model: DigestModel; itemCount: number } | { kind: 'skip' };

/**
 * The digest one claimed subscriber gets: composed from the change window, or an "all quiet"
 * digest when nothing matched, or nothing at all for those who chose to skip empty ones.
 */
export function buildDigest(
  deps: Pick<Resources, 'config' | 'tokens'>,
  digest: ClaimedDigest,
  window: ChangeWindow,
  periodOf: typeof latestDuePeriod = latestDuePeriod,
  /** When instant alerts named reports to this reader, by event id. */
  alerted?: ReadonlyMap<string, Date>,
): BuiltDigest {
  const links = subscriberLinks(deps, digest);
  const period = periodOf(digest.frequency, digest.timezone, digest.due_at);
  const view = deps.tokens.sign(
    'view',
    { publicId: digest.public_id, version: digest.token_version, ref: digest.digest_public_id },
    { ttlMs: null },
  );
  const digestLinks = {
    manage: links.manage(),
    unsubscribe: links.unsubscribe(),
    viewInBrowser: `${deps.config.publicBaseUrl}/digests/view?token=${encodeURIComponent(view)}`,
    site: links.site(),
    feed: feedLinks(deps.config.publicBaseUrl, {
      countries: digest.countries,
      regions: digest.regions,
      categories: digest.categories,
      types: [],
    }).atom,
  };
  const recipient = {
    email: digest.email,
    digestCursor: digest.digest_cursor,
    timezone: digest.timezone,
    countries: digest.countries,
    regions: digest.regions,
    categories: digest.categories,
    choices: choicesOf(digest, digest.language),
    countryContext: digest.country_context,
    ...(alerted?.size ? { alertedOn: alertedDays(alerted, digest.timezone, digest.language) } : {}),
  };
  const composed = composeDigest({ recipient, period, window, links: digestLinks });
  // The reader's language (English ones record none, as before languages).
  const neutral = {
    ...(digest.neutral_subjects ? { neutralSubjects: true } : {}),
    ...(digest.language !== 'en' ? { language: digest.language } : {}),
  };
  if (composed) return { kind: 'send', ...composed, model: { ...composed.model, ...neutral } };
  if (digest.skip_empty) return { kind: 'skip' };
  return {
    kind: 'send',
    itemCount: 0,
    model: {
      period: { label: period.label, start: period.startAt.toISOString(), end: period.dueAt.toISOString(), timeZone: digest.timezone },
      recipient: { email: digest.email, choices: recipient.choices },
      countries: [],
      moreCount: 0,
      links: digestLinks,
      ...neutral,
    },
  };
}

/** The days alerts were sent, as the reader's calendar shows them ("4 December 2026"). */
function alertedDays(alerted: ReadonlyMap<string, Date>, timeZone: string, language: Language): Map<string, string> {
  const day = new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : language, { day: 'numeric', month: 'long', year: 'numeric', timeZone });
  return new Map([...alerted].map(([eventId, at]) => [eventId, day.format(at)]));
}
