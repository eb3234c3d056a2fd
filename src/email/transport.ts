import { isPlausibleEmail } from './address';

/** Resend's tag shape: ASCII letters, digits, `_` and `-` only, at most 256 characters each. */
export interface EmailTag {
  name: string;
  value: string;
}

/** One email to one person. Every message carries both an HTML and a plain-text body. */
export interface EmailMessage {
  /** A bare address (`ana@example.org`), already normalised. */
  to: string;
  /** Defaults to the transport's sender (EMAIL_FROM). */
  from?: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. `List-Unsubscribe` and `List-Unsubscribe-Post`. */
  headers?: Record<string, string>;
  tags?: EmailTag[];
  /**
   * An armoured OpenPGP public key: the message goes as PGP/MIME encrypted to it (see pgp-mime.ts),
   * with `neutralSubject` outside. Set by the subscriber-key step (encrypt-for-subscribers.ts), or
   * by the confirmation of a new key, which is encrypted to that key.
   */
  encryptTo?: string;
  /** The subject an encrypted message shows outside, naming no country or topic. */
  neutralSubject?: string;
}

/** The subject outside an encrypted message when the sender gave none: it names nothing. */
export const DEFAULT_NEUTRAL_SUBJECT = 'An update you asked for';

export interface SendOptions {
  /**
   * Sending again with the same key and the same payload sends nothing new and answers the
   * first result (Resend keeps a key 24 h: never retry with one older than ~23 h). The same key
   * with another payload is refused with a PermanentEmailError (`invalid_idempotent_request`).
   */
  idempotencyKey: string;
}

export interface Mailer {
  kind: 'resend' | 'outbox' | 'smtp';
  /** Whether it can send messages with `encryptTo` (Resend's JSON API cannot carry multipart/encrypted). */
  canEncrypt?: boolean;
  send(message: EmailMessage, options: SendOptions): Promise<{ id: string }>;
  /** Up to MAX_BATCH_SIZE messages, all or nothing; `ids` in the order of `messages`. */
  sendBatch(messages: EmailMessage[], options: SendOptions): Promise<{ ids: string[] }>;
  /** Deletes the local copies of messages sent before `before` (the outbox's files), answering how many; transports that keep none leave it out. */
  pruneSentBefore?(before: Date): Promise<number>;
  /** Ends what the transport holds open (the SMTP pool's connections), once nothing more is sent; transports that hold nothing leave it out. */
  close?(): Promise<void>;
}

export const MAX_BATCH_SIZE = 100;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/**
 * The provider refused the message and will refuse it again (4xx other than 429 and a
 * concurrent-request 409): record it, do not retry. `messageIndex` names the offending message
 * of a batch when it is known, and `sentIndexes` the messages that went out before the refusal:
 * none for a strict batch (Resend's), those before it for a transport that sends one message
 * after another (SMTP, the outbox).
 */
export class PermanentEmailError extends Error {
  override readonly name = 'PermanentEmailError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null = null,
    readonly messageIndex?: number,
    readonly sentIndexes: readonly number[] = [],
  ) {
    super(message);
  }
}

/** The indexes before `index`: what a one-by-one transport sent before the message it refused. */
export const indexesBefore = (index: number): number[] => Array.from({ length: index }, (_, i) => i);

/** A recipient's key that cannot encrypt (expired or revoked since), met at message `index` of a one-by-one batch: refused for good. */
export const keyUnusableError = (index: number) =>
  new PermanentEmailError('key_unusable', 'the recipient’s OpenPGP key cannot encrypt this message', 422, index, indexesBefore(index));

/**
 * Not sent now, may succeed later: retries inside the transport were exhausted, or the
 * provider asked to wait longer than the transport waits (`retryAfterMs`, e.g. a daily
 * quota). Retry later with the same idempotency key and the identical payload.
 */
export class TransientEmailError extends Error {
  override readonly name = 'TransientEmailError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null,
    readonly attempts: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A programming error, not a delivery problem: thrown before anything is sent. */
export function assertIdempotencyKey(key: string): void {
  if (typeof key !== 'string' || key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new RangeError(`idempotencyKey must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`);
  }
}

export function assertBatchSize(messages: readonly EmailMessage[]): void {
  if (messages.length < 1 || messages.length > MAX_BATCH_SIZE) {
    throw new RangeError(`a batch holds 1-${MAX_BATCH_SIZE} messages, got ${messages.length}`);
  }
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Refuses what no provider would accept, before any request: an implausible recipient is a
 * PermanentEmailError (Resend answers 422 for it, and in a strict batch one bad address
 * would sink the other 99); a header carrying a line break is a RangeError (header injection).
 */
export function assertSendable(message: EmailMessage, index?: number): void {
  if (!message.html || !message.text) throw new RangeError('every message needs both html and text bodies');
  if (!message.subject) throw new RangeError('every message needs a subject');
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!headerName.test(name) || /[\r\n]/.test(value))
      throw new RangeError(`header ${JSON.stringify(name)} is not a valid single-line header`);
  }
  if (!isPlausibleEmail(message.to)) {
    throw new PermanentEmailError('invalid_recipient', 'the recipient is not a valid email address', 422, index);
  }
}

/** Hands a checked message or batch to a transport's one delivery step, with the same idempotency scope per kind. */
export type Deliver = (scope: 'single' | 'batch', idempotencyKey: string, messages: EmailMessage[]) => Promise<string[]>;

/** `send` and `sendBatch` for a transport that delivers through one step: the checks every transport makes first. */
export function checkedSends(deliver: Deliver): Pick<Mailer, 'send' | 'sendBatch'> {
  return {
    async send(message, { idempotencyKey }) {
      assertIdempotencyKey(idempotencyKey);
      assertSendable(message);
      const [id] = await deliver('single', idempotencyKey, [message]);
      return { id: id! };
    },
    async sendBatch(messages, { idempotencyKey }) {
      assertIdempotencyKey(idempotencyKey);
      assertBatchSize(messages);
      for (const [index, message] of messages.entries()) assertSendable(message, index);
      return { ids: await deliver('batch', idempotencyKey, messages) };
    },
  };
}
