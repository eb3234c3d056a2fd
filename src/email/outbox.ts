import { createHash, randomUUID } from 'node:crypto';
import { pruneOutbox } from '../alerts/cleanup/outbox-files';
import { access, link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Clock } from '../clock';
import type { Log } from '../log';
import { buildEml } from './eml';
import type { EmailMetrics } from './metrics';
import { PermanentEmailError, assertBatchSize, assertIdempotencyKey, assertSendable, type EmailMessage, type Mailer } from './transport';

export interface OutboxMailerOptions {
  dataDir: string;
  defaultFrom: string;
  clock: Clock;
  log?: Log;
  metrics?: EmailMetrics;
}

export type OutboxMailer = Mailer & { kind: 'outbox'; /** Absolute path of the folder the .eml files land in. */ dir: string };

/** What an idempotency key was first used for: kept in `outbox/.keys/<hash of key>.json`. */
interface KeyRecord {
  createdAt: string;
  payloadHash: string;
  files: string[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted, so the same payload always hashes the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
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

const isErrno = (error: unknown, code: string) => (error as NodeJS.ErrnoException | undefined)?.code === code;

/**
 * The default transport: each message becomes an .eml file in DATA_DIR/outbox/ that any mail
 * client opens, named `<time>-<subject>-<key hash>[-<index>].eml` so the folder sorts by time.
 * Idempotent like Resend: a key is claimed once (an atomic link of its record), a repeat with
 * the same payload writes nothing new and answers the same ids, another payload is refused.
 * A crash between claiming and writing is repaired by the retry, which writes the same bytes.
 */
export function createOutboxMailer(options: OutboxMailerOptions): OutboxMailer {
  const dir = resolve(options.dataDir, 'outbox');
  const keysDir = join(dir, '.keys');

  /** A uniquely named file beside the target, to be linked or renamed into place. */
  async function writeTemp(content: string | Buffer): Promise<string> {
    const temp = join(dir, `.tmp-${randomUUID()}`);
    await writeFile(temp, content, { mode: 0o600 });
    return temp;
  }

  async function claimKey(keyHash: string, fresh: () => KeyRecord): Promise<KeyRecord> {
    const path = join(keysDir, `${keyHash}.json`);
    try {
      return JSON.parse(await readFile(path, 'utf8')) as KeyRecord;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
    const record = fresh();
    const temp = await writeTemp(JSON.stringify(record));
    try {
      await link(temp, path); // fails with EEXIST when another writer claimed the key first
      return record;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
      return JSON.parse(await readFile(path, 'utf8')) as KeyRecord;
    } finally {
      await unlink(temp);
    }
  }

  async function writeOnce(path: string, build: () => Promise<Buffer>): Promise<void> {
    try {
      await access(path);
      return;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
    const temp = await writeTemp(await build());
    await rename(temp, path);
  }

  async function deliver(scope: 'single' | 'batch', idempotencyKey: string, messages: EmailMessage[]): Promise<string[]> {
    const complete = messages.map((message) => ({ ...message, from: message.from ?? options.defaultFrom }));
    const keyHash = sha256(`${scope}\n${idempotencyKey}`).slice(0, 32);
    const payloadHash = sha256(stableJson(complete));
    await mkdir(keysDir, { recursive: true });
    const record = await claimKey(keyHash, () => {
      const now = options.clock.now();
      const stamp = now.toISOString().replace(/[:.]/g, '-');
      const files = complete.map(
        (message, index) => `${stamp}-${slugOf(message.subject)}-${keyHash.slice(0, 12)}${scope === 'batch' ? `-${String(index).padStart(3, '0')}` : ''}.eml`,
      );
      return { createdAt: now.toISOString(), payloadHash, files };
    });
    if (record.payloadHash !== payloadHash) {
      options.metrics?.messages.inc({ transport: 'outbox', outcome: 'rejected' }, messages.length);
      throw new PermanentEmailError('invalid_idempotent_request', 'this idempotency key was already used with another payload', 409);
    }
    for (const [index, message] of complete.entries()) {
      const file = record.files[index]!;
      await writeOnce(join(dir, file), () =>
        buildEml(message, { messageId: `<${keyHash}.${index}@outbox.tracker-alerts>`, date: new Date(record.createdAt) }),
      );
      options.log?.debug({ transport: 'outbox', file }, 'email written to the outbox');
    }
    options.metrics?.messages.inc({ transport: 'outbox', outcome: 'sent' }, messages.length);
    return record.files.map((file) => file.replace(/\.eml$/, ''));
  }

  return {
    kind: 'outbox',
    dir,
    pruneSentBefore: (before) => pruneOutbox(dir, before),
    async send(message, { idempotencyKey }) {
      assertIdempotencyKey(idempotencyKey);
      assertSendable(message);
      const [id] = await deliver('single', idempotencyKey, [message]);
      return { id: id! };
    },
    async sendBatch(messages, { idempotencyKey }) {
      assertIdempotencyKey(idempotencyKey);
      assertBatchSize(messages);
      messages.forEach((message, index) => assertSendable(message, index));
      return { ids: await deliver('batch', idempotencyKey, messages) };
    },
  };
}
