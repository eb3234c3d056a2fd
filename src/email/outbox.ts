import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Clock } from '../clock';
import type { Log } from '../log';
import { buildEml } from './eml';
import type { EmailMetrics } from './metrics';
import { isErrno, type KeyRecord, keysDirOf } from './outbox-files';
import { pruneOutbox } from './outbox-prune';
import { buildEncryptedEml } from './pgp-mime';
import { checkedSends, DEFAULT_NEUTRAL_SUBJECT, type EmailMessage, keyUnusableError, type Mailer, PermanentEmailError } from './transport';

export interface OutboxMailerOptions {
  dataDir: string;
  defaultFrom: string;
  clock: Clock;
  log?: Log;
  metrics?: EmailMetrics;
}

export type OutboxMailer = Mailer & { kind: 'outbox' /** Absolute path of the folder the .eml files land in. */; dir: string };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A digest of what makes a message, field by field in a fixed order (no copy of the bodies). */
function payloadHashOf(messages: readonly (EmailMessage & { from: string })[]): string {
  const hash = createHash('sha256');
  for (const m of messages) {
    const headers = Object.entries(m.headers ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    hash.update(JSON.stringify([m.from, m.to, m.subject, headers, m.tags ?? [], m.encryptTo ?? null, m.neutralSubject ?? null]));
    for (const body of [m.text, m.html]) hash.update(`\0${Buffer.byteLength(body)}\0`).update(body);
  }
  return hash.digest('hex');
}

function slugOf(subject: string): string {
  const slug = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'message';
}

/** How long a key record may stay unreadable before it counts as left by a writer that died. */
const ABANDONED_RECORD_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The default transport: each message becomes an .eml file in DATA_DIR/outbox/ that any mail
 * client opens, named `<time>-<subject>-<key hash>[-<index>].eml` so the folder sorts by time.
 * Idempotent like Resend: a key is claimed once (its record created with an exclusive-create
 * open), a repeat with the same payload writes nothing new and answers the same ids, another
 * payload is refused. The first writer writes its files in place, also exclusively; whoever
 * finds the key already claimed rewrites them atomically (temp file + rename, the same bytes),
 * which repairs what a crash between claiming and writing left missing or cut short.
 */
export function createOutboxMailer(options: OutboxMailerOptions): OutboxMailer {
  const dir = resolve(options.dataDir, 'outbox');
  const keysDir = keysDirOf(dir);
  let folders: Promise<unknown> | undefined;
  /** Deliveries under way in this process, by key hash: a concurrent repeat waits for the first. */
  const inFlight = new Map<string, Promise<string[]>>();

  const ensureFolders = () => {
    folders ??= mkdir(keysDir, { recursive: true }).catch((error: unknown) => {
      folders = undefined;
      throw error;
    });
    return folders;
  };

  /** Atomically replaces `path`: a uniquely named file beside it, renamed into place. */
  async function replace(path: string, content: string | Buffer): Promise<void> {
    const temp = join(dir, `.tmp-${randomUUID()}`);
    await writeFile(temp, content, { mode: 0o600 });
    await rename(temp, path);
  }

  /** Writes a file that must not exist yet; false when it does. */
  async function create(path: string, content: string | Buffer): Promise<boolean> {
    try {
      await writeFile(path, content, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return false;
      throw error;
    }
  }

  /** The record of a claimed key; one cut short by a writer that died is replaced by `fresh`. */
  async function readClaim(path: string, fresh: KeyRecord): Promise<KeyRecord> {
    for (;;) {
      const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      try {
        return JSON.parse(text) as KeyRecord;
      } catch {
        // Another writer between its exclusive open and its write, or one that died there.
        if (Date.now() - info.mtimeMs < ABANDONED_RECORD_MS) {
          await sleep(20);
          continue;
        }
        await replace(path, JSON.stringify(fresh));
        return fresh;
      }
    }
  }

  async function deliver(scope: 'single' | 'batch', idempotencyKey: string, messages: EmailMessage[]): Promise<string[]> {
    const complete = messages.map((message) => ({ ...message, from: message.from ?? options.defaultFrom }));
    const keyHash = sha256(`${scope}\n${idempotencyKey}`).slice(0, 32);
    const payloadHash = payloadHashOf(complete);
    const earlier = inFlight.get(keyHash);
    if (earlier) await earlier.catch(() => undefined);
    const now = options.clock.now();
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    const fresh: KeyRecord = {
      createdAt: now.toISOString(),
      payloadHash,
      files: complete.map(
        (message, index) =>
          `${stamp}-${slugOf(message.encryptTo ? (message.neutralSubject ?? DEFAULT_NEUTRAL_SUBJECT) : message.subject)}-${keyHash.slice(0, 12)}${scope === 'batch' ? `-${String(index).padStart(3, '0')}` : ''}.eml`,
      ),
    };
    const work = (async () => {
      const recordPath = join(keysDir, `${keyHash}.json`);
      await ensureFolders();
      const claimed = await create(recordPath, JSON.stringify(fresh)).catch(async (error: unknown) => {
        if (!isErrno(error, 'ENOENT')) throw error;
        folders = undefined; // the folder was removed since it was made
        await ensureFolders();
        return create(recordPath, JSON.stringify(fresh));
      });
      const record = claimed ? fresh : await readClaim(recordPath, fresh);
      if (record.payloadHash !== payloadHash) {
        options.metrics?.messages.inc({ transport: 'outbox', outcome: 'rejected' }, messages.length);
        throw new PermanentEmailError('invalid_idempotent_request', 'this idempotency key was already used with another payload', 409);
      }
      for (const [index, message] of complete.entries()) {
        const file = record.files[index]!;
        const path = join(dir, file);
        const envelope = { messageId: `<${keyHash}.${index}@outbox.tracker-alerts>`, date: new Date(record.createdAt) };
        // Encrypted again on a repeat: other ciphertext of the same message (a session key is random by design).
        const eml = message.encryptTo
          ? await buildEncryptedEml({ ...message, encryptTo: message.encryptTo }, envelope).catch(() => {
              // A key that cannot encrypt (expired or revoked since): refused for good, never written in clear.
              throw keyUnusableError(index);
            })
          : buildEml(message, envelope);
        if (!claimed || !(await create(path, eml))) await replace(path, eml);
        options.log?.debug({ transport: 'outbox', file }, 'email written to the outbox');
      }
      options.metrics?.messages.inc({ transport: 'outbox', outcome: 'sent' }, messages.length);
      return record.files.map((file) => file.replace(/\.eml$/, ''));
    })();
    inFlight.set(keyHash, work);
    try {
      return await work;
    } finally {
      if (inFlight.get(keyHash) === work) inFlight.delete(keyHash);
    }
  }

  return {
    kind: 'outbox',
    canEncrypt: true,
    dir,
    pruneSentBefore: (before) => pruneOutbox(dir, before),
    ...checkedSends(deliver),
  };
}
