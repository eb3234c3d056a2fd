import { createHash } from 'node:crypto';
import { firstDigest } from '../alerts/digest/first-digest';
import type { BackgroundTasks } from '../background';
import type { Language } from '../db/database';
import { completeJobs } from '../db/queue/complete-jobs';
import { failJobs } from '../db/queue/fail-jobs';
import { leaseOwner } from '../db/queue/lease-owner';
import { signupNotices } from '../db/queue/queues';
import { retryJobsLater } from '../db/queue/retry-jobs-later';
import { retryAt } from '../db/queue/retry-schedule';
import { type ClaimedNotice, claimDueNotices } from '../db/signup-notices';
import type { SubscriberRow } from '../db/subscribers';
import { sendMailBatch, splitRefusedBatch } from '../email/send-mail-batch';
import { type EmailMessage, MAX_BATCH_SIZE } from '../email/transport';
import { categoryName, countryName, messagesFor, regionName } from '../i18n';
import type { Resources } from '../resources';
import { categories } from '../taxonomy/categories';
import { findCountry } from '../taxonomy/countries';
import { renderConfirmEmail } from '../templates/confirm-email';
import { renderManageEmail } from '../templates/manage-email';
import type { AlertChoices } from '../templates/models';
import { renderOpenpgpKeyEmail } from '../templates/openpgp-key-email';
import { listUnsubscribeHeaders, subscriberLinks } from './links';

type NoticeDeps = Pick<Resources, 'db' | 'clock' | 'config' | 'tokens' | 'mailer' | 'log'> & Partial<Pick<Resources, 'instanceId'>>;

/** A claimed notice not sent or refused by then is claimed again (a worker died mid-send). */
export const NOTICE_LEASE_MS = 5 * 60 * 1000;
/** After this many attempts a notice is given up (its links would be a day old, and Resend keeps idempotency keys 24 h). */
export const NOTICE_MAX_ATTEMPTS = 8;
/** Waits before a notice not sent goes again, by its attempt (30 s doubling, at most an hour). */
export const NOTICE_RETRY_SCHEDULE_MS = [30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000];

/** A subscriber's stored choices as names a reader understands, in their language. */
export function choicesOf(
  subscriber: Pick<SubscriberRow, 'countries' | 'regions' | 'categories' | 'frequency'>,
  language: Language = 'en',
): AlertChoices {
  const country = (id: string) => {
    const found = findCountry(id);
    return found ? countryName(found, language) : id;
  };
  return {
    countries: subscriber.countries.map(country),
    regions: subscriber.regions.map((region) => regionName(region, language)),
    categories: subscriber.categories.map((id) =>
      language === 'en' ? (categories.find((c) => c.id === id)?.name ?? id) : categoryName(id, language),
    ),
    frequency: subscriber.frequency,
  };
}

/**
 * The confirmation or "manage your alerts" email of a queued notice. Its links are issued at the
 * notice's time, so building it again for a retry gives the same message.
 */
export function noticeMessage(
  deps: Pick<Resources, 'config' | 'tokens'>,
  { kind, subscriber, createdAt }: Pick<ClaimedNotice, 'kind' | 'subscriber' | 'createdAt'>,
): EmailMessage {
  const links = subscriberLinks(deps, subscriber, createdAt);
  const unsubscribe = links.unsubscribe();
  if (kind === 'openpgp')
    return openpgpKeyMessage(deps, subscriber, createdAt, { manage: links.manage(), unsubscribe, site: links.site() });
  const email =
    kind === 'confirm'
      ? renderConfirmEmail({
          language: subscriber.language,
          recipient: { email: subscriber.email },
          choices: choicesOf(subscriber, subscriber.language),
          expiresInDays: 7,
          firstDigest: firstDigest(subscriber, createdAt, subscriber.language),
          links: { confirm: links.confirm(), site: links.site() },
        })
      : renderManageEmail({
          language: subscriber.language,
          recipient: { email: subscriber.email },
          choices: choicesOf(subscriber, subscriber.language),
          links: { manage: links.manage(), unsubscribe, site: links.site() },
        });
  return {
    to: subscriber.email,
    subject: email.subject,
    neutralSubject: messagesFor(subscriber.language).email.neutralSubject,
    html: email.html,
    text: email.text,
    headers: listUnsubscribeHeaders(unsubscribe),
  };
}

/** The confirmation of a pending key, encrypted to that key; throws (the notice is given up) once no key is pending. */
function openpgpKeyMessage(
  deps: Pick<Resources, 'config' | 'tokens'>,
  subscriber: ClaimedNotice['subscriber'],
  createdAt: Date,
  links: { manage: string; unsubscribe: string; site: string },
): EmailMessage {
  const { openpgp_pending_key: key, openpgp_pending_fingerprint: fingerprint } = subscriber;
  if (!key || !fingerprint) throw new Error('no OpenPGP key is pending any more (confirmed or removed since)');
  const token = deps.tokens.sign(
    'openpgp',
    { publicId: subscriber.public_id, version: subscriber.token_version, ref: fingerprint },
    { issuedAt: createdAt },
  );
  const email = renderOpenpgpKeyEmail({
    language: subscriber.language,
    recipient: { email: subscriber.email },
    fingerprint,
    expiresInDays: 7,
    links: { confirm: `${deps.config.publicBaseUrl}/openpgp/confirm?token=${encodeURIComponent(token)}`, ...links },
  });
  return {
    to: subscriber.email,
    subject: email.subject,
    neutralSubject: messagesFor(subscriber.language).email.neutralSubject,
    html: email.html,
    text: email.text,
    headers: listUnsubscribeHeaders(links.unsubscribe),
    encryptTo: key,
  };
}

/**
 * The same notices built from the same state get the same key (a retry after a crash between
 * sending and recording sends nothing twice); a subscriber changed meanwhile gets a new one.
 * Hashes what the emails are built from, which is far smaller than the emails.
 */
function batchKey(notices: readonly ClaimedNotice[]): string {
  const hash = createHash('sha256');
  for (const { id, kind, createdAt, subscriber: s } of notices) {
    hash.update(
      JSON.stringify([
        id,
        kind,
        createdAt.getTime(),
        s.id,
        s.email,
        s.token_version,
        s.countries,
        s.regions,
        s.categories,
        s.frequency,
        s.timezone,
        s.openpgp_pending_fingerprint,
        s.language,
      ]),
    );
  }
  return `signup-notices-${hash.digest('hex').slice(0, 40)}`;
}

const RENDER_SLICE = 10;

/** Lets pending I/O (requests answering) run before the next slice of work. */
const nextTurn = () =>
  new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

export interface DrainResult {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Sends every due sign-up notice, in batches through the mailer's batch path, until none is
 * due. Safe to run twice at once and on several instances (SKIP LOCKED claims with a lease),
 * and to kill at any point: an unsent notice stays queued; a batch sent but not recorded is
 * claimed again as it was when its lease ends and sent under the same idempotency key, so the
 * mailer sends nothing twice (unless a subscriber of it left meanwhile: the smaller batch gets a
 * new key and its other emails go out twice).
 */
export async function drainNotices(deps: NoticeDeps, options: { batchSize?: number } = {}): Promise<DrainResult> {
  const limit = Math.min(options.batchSize ?? MAX_BATCH_SIZE, MAX_BATCH_SIZE);
  const result: DrainResult = { sent: 0, retried: 0, failed: 0 };
  const owner = leaseOwner('notices', deps.instanceId);
  for (;;) {
    const now = deps.clock.now();
    const claimed = await claimDueNotices(deps.db, { owner, now, leaseUntil: new Date(now.getTime() + NOTICE_LEASE_MS), limit });
    if (claimed.length === 0) return result;
    await sendClaimed(deps, claimed, result);
    if (claimed.length < limit) return result;
  }
}

async function sendClaimed(deps: NoticeDeps, all: ClaimedNotice[], result: DrainResult): Promise<void> {
  // A notice whose email cannot be built would fail every batch it is in: it is given up alone.
  const claimed: ClaimedNotice[] = [];
  const messages: EmailMessage[] = [];
  for (const [index, notice] of all.entries()) {
    // A batch renders in tens of ms: requests waiting on the same event loop go in between.
    if (index > 0 && index % RENDER_SLICE === 0) await nextTurn();
    try {
      messages.push(noticeMessage(deps, notice));
      claimed.push(notice);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await failJobs(deps.db, signupNotices, { ids: [notice.id], now: deps.clock.now(), error: reason });
      result.failed += 1;
      deps.log.error({ err: error, notice: notice.id }, 'sign-up notice could not be built');
    }
  }
  if (claimed.length === 0) return;
  const ids = claimed.map((n) => n.id);
  const sent = await sendMailBatch(deps.mailer, messages, batchKey(claimed));
  const now = deps.clock.now();
  if (sent.kind === 'accepted') {
    await completeJobs(deps.db, signupNotices, { ids, now });
    result.sent += ids.length;
    deps.log.info({ notices: ids.length, kinds: countKinds(claimed) }, 'sign-up notices sent');
    return;
  }
  if (sent.kind === 'refused') {
    // Give the refused one up, keep those that went out before it, send the others again now.
    const split = splitRefusedBatch(ids, sent);
    await deps.db.transaction().execute(async (trx) => {
      await completeJobs(trx, signupNotices, { ids: split.sent, now });
      await failJobs(trx, signupNotices, { ids: split.failed, now, error: sent.error });
      await retryJobsLater(trx, signupNotices, { ids: split.again, at: now, error: sent.error });
    });
    result.sent += split.sent.length;
    result.failed += split.failed.length;
    deps.log.error({ err: sent.cause, notices: split.failed.length }, 'sign-up notices refused by the mailer');
    return;
  }
  const spent = claimed.filter((n) => n.attempts >= NOTICE_MAX_ATTEMPTS).map((n) => n.id);
  const again = claimed.filter((n) => n.attempts < NOTICE_MAX_ATTEMPTS);
  const at = retryAt({
    now,
    schedule: NOTICE_RETRY_SCHEDULE_MS,
    retry: Math.max(1, ...again.map((n) => n.attempts)) - 1,
    retryAfterMs: sent.retryAfterMs,
  });
  await failJobs(deps.db, signupNotices, { ids: spent, now, error: sent.error });
  await retryJobsLater(deps.db, signupNotices, { ids: again.map((n) => n.id), at, error: sent.error });
  result.retried += again.length;
  result.failed += spent.length;
  deps.log.warn(
    { err: sent.cause, notices: claimed.length, retryInMs: at.getTime() - now.getTime() },
    'sign-up notices not sent; will retry',
  );
}

const countKinds = (notices: readonly ClaimedNotice[]) =>
  notices.reduce<Record<string, number>>((acc, n) => {
    acc[n.kind] = (acc[n.kind] ?? 0) + 1;
    return acc;
  }, {});

/**
 * Starts a drain soon after a sign-up commits, or asks the running one to go round once more;
 * the drain runs as a background task, so shutdown and tests wait for it (`background.idle()`).
 * Each round first waits `gatherMs`, so the sign-ups of that moment share one claim, one batch
 * and one delete instead of paying for them one by one (at 200 sign-ups/s, about five a batch).
 */
export interface NoticePump {
  kick(): void;
}

export const NOTICE_GATHER_MS = 25;

export function createNoticePump(deps: NoticeDeps, background: BackgroundTasks, options: { gatherMs?: number } = {}): NoticePump {
  const gatherMs = options.gatherMs ?? NOTICE_GATHER_MS;
  let running = false;
  let again = false;
  return {
    kick() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      background.run('sign-up notices', async () => {
        try {
          do {
            await new Promise((resolve) => setTimeout(resolve, gatherMs));
            again = false;
            await drainNotices(deps);
          } while (again);
        } finally {
          running = false;
        }
      });
    },
  };
}
