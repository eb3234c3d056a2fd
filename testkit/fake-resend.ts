import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Resend API: a real HTTP server on 127.0.0.1 (random port) that the real `resend`
 * SDK talks to (pass `url` as the base URL, i.e. RESEND_BASE_URL).
 *
 * It behaves like Resend where our guarantees depend on it:
 * - `POST /emails` answers `{id}`; `POST /emails/batch` (<= 100) answers `{data: [{id}]}`
 *   (`x-batch-validation: permissive` also answers `errors: [{index, message}]`).
 * - `Authorization: Bearer <apiKey>`: missing 401 `missing_api_key`, wrong 403 `invalid_api_key`.
 * - `Idempotency-Key` (1-256 chars, else 400): the same key with the same payload (path and
 *   body bytes, as the SDK serialises one request the same way every time) answers the first
 *   response again and delivers nothing new; another payload
 *   is a 409 `invalid_idempotent_request`; while the first is still in flight (see
 *   `latencyMs`) a 409 `concurrent_idempotent_requests`. Only accepted requests are
 *   remembered, for `idempotencyTtlMs` (24 h).
 * - Errors have Resend's shape `{statusCode, name, message}`; 429 carries `retry-after`
 *   and the `ratelimit-*` headers.
 * - Validation like the API's: missing from/to/subject 422 `missing_required_field`, an
 *   invalid `to` 422 `validation_error`; a strict batch with one bad email sends none.
 *
 * Faults, for retry and chaos tests: `failNext(n, fault)` for the next n email requests,
 * `failRandomly({rate, seed, faults})` for a seeded share of them (deterministic for a given
 * sequence of requests). A fault replaces the answer; only `accept-then-hang` delivers.
 *
 * `deliveries()` is what people would find in their inboxes: one entry per accepted email,
 * never one for a replayed key. `requests()` is every request as it arrived.
 */

export type FakeResendFault =
  /** 429 rate_limit_exceeded with `retry-after` (seconds). */
  | { type: 'rate-limit'; retryAfterSeconds?: number }
  /** 500 internal_server_error by default; `html` answers a non-JSON body, as a proxy would. */
  | { type: 'server-error'; status?: number; html?: boolean }
  /** Swallows the request: never answers, delivers nothing. */
  | { type: 'hang' }
  /** Delivers (and remembers the key), then never answers: a response lost after the send. */
  | { type: 'accept-then-hang' }
  /** Drops the connection before answering; delivers nothing. */
  | { type: 'disconnect' }
  /** Any Resend error, e.g. `{status: 422, name: 'validation_error'}` or a daily quota 429. */
  | { type: 'error'; status: number; name: string; message?: string; headers?: Record<string, string> };

export interface FakeResendRequest {
  at: Date;
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  /** The parsed JSON body (undefined when `retainContent` is false or the body was not JSON). */
  body: unknown;
  /** Status answered; undefined while pending or for a request that was never answered. */
  status?: number;
  /** The injected fault, if any. */
  fault?: FakeResendFault['type'];
  /** True when the answer was a replay of an earlier request with the same key. */
  replayed?: boolean;
}

export interface FakeResendDelivery {
  id: string;
  endpoint: '/emails' | '/emails/batch';
  /** Position in its batch (0 for a single send). */
  index: number;
  idempotencyKey: string | undefined;
  from: string;
  to: string[];
  subject: string;
  /** Empty when `retainContent` is false. */
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  acceptedAt: Date;
}

export interface FakeResendOptions {
  /** The key the fake accepts; defaults to `re_test_fake_key`. */
  apiKey?: string;
  /** Delay before answering an accepted request (the key is "in flight" meanwhile). */
  latencyMs?: number;
  /** False keeps only metadata (no bodies): for benchmarks with many large emails. */
  retainContent?: boolean;
  idempotencyTtlMs?: number;
  /** Milliseconds since the epoch, for idempotency expiry; Date.now by default. */
  now?: () => number;
}

interface StoredResponse {
  fingerprint: string;
  state: 'in-flight' | 'done';
  status: number;
  body: unknown;
  storedAt: number;
}

/** mulberry32: a tiny seeded PRNG, so random fault runs repeat exactly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const plausibleAddress = /^(?:[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+|[^<>]*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>)$/;

type EmailCheck = { ok: true; email: Record<string, unknown> } | { ok: false; status: number; name: string; message: string };

function checkEmail(value: unknown): EmailCheck {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, status: 422, name: 'validation_error', message: 'The email must be an object.' };
  }
  const email = value as Record<string, unknown>;
  for (const field of ['from', 'to', 'subject'] as const) {
    if (email[field] === undefined || email[field] === null || email[field] === '') {
      return { ok: false, status: 422, name: 'missing_required_field', message: `Missing \`${field}\` field.` };
    }
  }
  if (typeof email.from !== 'string' || !plausibleAddress.test(email.from)) {
    return {
      ok: false,
      status: 422,
      name: 'invalid_from_address',
      message: 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
    };
  }
  const to = Array.isArray(email.to) ? email.to : [email.to];
  if (to.length > 50 || !to.every((address) => typeof address === 'string' && plausibleAddress.test(address))) {
    return {
      ok: false,
      status: 422,
      name: 'validation_error',
      message: 'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
    };
  }
  if (typeof email.html !== 'string' && typeof email.text !== 'string') {
    return { ok: false, status: 422, name: 'validation_error', message: 'Missing `html` or `text` field.' };
  }
  if (email.attachments !== undefined && email.attachments !== null) {
    return { ok: false, status: 422, name: 'validation_error', message: 'Attachments are not supported in this fake.' };
  }
  return { ok: true, email };
}

const errorBody = (status: number, name: string, message: string) => ({ statusCode: status, name, message });

export async function startFakeResend(options: FakeResendOptions = {}) {
  const apiKey = options.apiKey ?? 're_test_fake_key';
  const retainContent = options.retainContent ?? true;
  const ttlMs = options.idempotencyTtlMs ?? 24 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;

  let requests: FakeResendRequest[] = [];
  let deliveries: FakeResendDelivery[] = [];
  let idempotency = new Map<string, StoredResponse>();
  let queuedFaults: FakeResendFault[] = [];
  let randomFaults: { rate: number; random: () => number; faults: FakeResendFault[] } | undefined;
  let requestWaiters: { count: number; resolve: () => void }[] = [];

  const nextFault = (): FakeResendFault | undefined => {
    const queued = queuedFaults.shift();
    if (queued) return queued;
    if (randomFaults && randomFaults.random() < randomFaults.rate) {
      const { faults, random } = randomFaults;
      return faults[Math.floor(random() * faults.length)];
    }
    return undefined;
  };

  const notifyWaiters = () => {
    requestWaiters = requestWaiters.filter((waiter) => {
      if (requests.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  const deliver = (
    endpoint: FakeResendDelivery['endpoint'],
    index: number,
    key: string | undefined,
    email: Record<string, unknown>,
  ): string => {
    const id = randomUUID();
    const text = (field: string) => (retainContent && typeof email[field] === 'string' ? (email[field] as string) : '');
    deliveries.push({
      id,
      endpoint,
      index,
      idempotencyKey: key,
      from: String(email.from),
      to: (Array.isArray(email.to) ? email.to : [email.to]).map(String),
      subject: String(email.subject),
      html: text('html'),
      text: text('text'),
      headers: { ...((email.headers as Record<string, string> | undefined) ?? {}) },
      tags: [...((email.tags as { name: string; value: string }[] | undefined) ?? [])],
      acceptedAt: new Date(now()),
    });
    return id;
  };

  /** Validates and delivers; the answer a successful or refused request gets. */
  const processEmails = (
    path: string,
    body: unknown,
    key: string | undefined,
    batchValidation: string | undefined,
  ): { status: number; body: unknown } => {
    if (path === '/emails') {
      const check = checkEmail(body);
      if (!check.ok) return { status: check.status, body: errorBody(check.status, check.name, check.message) };
      return { status: 200, body: { id: deliver('/emails', 0, key, check.email) } };
    }
    if (!Array.isArray(body)) return { status: 422, body: errorBody(422, 'validation_error', 'The batch must be an array of emails.') };
    if (body.length < 1 || body.length > 100) {
      return { status: 422, body: errorBody(422, 'validation_error', 'A batch holds between 1 and 100 emails.') };
    }
    const checks = body.map(checkEmail);
    const permissive = batchValidation === 'permissive';
    const firstBad = checks.findIndex((check) => !check.ok);
    if (firstBad >= 0 && !permissive) {
      const bad = checks[firstBad] as Extract<EmailCheck, { ok: false }>;
      return { status: bad.status, body: errorBody(bad.status, bad.name, `emails[${firstBad}]: ${bad.message}`) };
    }
    const data: { id: string }[] = [];
    const errors: { index: number; message: string }[] = [];
    checks.forEach((check, index) => {
      if (check.ok) data.push({ id: deliver('/emails/batch', index, key, check.email) });
      else errors.push({ index, message: check.message });
    });
    return { status: 200, body: permissive ? { data, errors } : { data } };
  };

  const answer = (res: ServerResponse, record: FakeResendRequest, status: number, body: unknown, headers: Record<string, string> = {}) => {
    record.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const applyFault = (fault: FakeResendFault, res: ServerResponse, record: FakeResendRequest): boolean => {
    record.fault = fault.type;
    switch (fault.type) {
      case 'rate-limit': {
        const seconds = String(fault.retryAfterSeconds ?? 1);
        answer(res, record, 429, errorBody(429, 'rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second.'), {
          'retry-after': seconds,
          'ratelimit-limit': '2',
          'ratelimit-remaining': '0',
          'ratelimit-reset': seconds,
        });
        return true;
      }
      case 'server-error': {
        const status = fault.status ?? 500;
        if (fault.html) {
          record.status = status;
          res.writeHead(status, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
        } else {
          answer(res, record, status, errorBody(status, 'internal_server_error', 'An unexpected error occurred.'));
        }
        return true;
      }
      case 'hang':
        return true;
      case 'disconnect':
        res.socket?.destroy();
        return true;
      case 'error':
        answer(res, record, fault.status, errorBody(fault.status, fault.name, fault.message ?? fault.name), fault.headers);
        return true;
      case 'accept-then-hang':
        return false; // handled after processing
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
    const path = (req.url ?? '/').split('?')[0]!;
    const key = headers['idempotency-key'];
    const record: FakeResendRequest = {
      at: new Date(now()),
      method: req.method ?? 'GET',
      path,
      headers,
      idempotencyKey: key,
      authorization: headers.authorization,
      body: retainContent ? body : undefined,
    };
    requests.push(record);
    notifyWaiters();

    if (req.method !== 'POST' || (path !== '/emails' && path !== '/emails/batch')) {
      return answer(res, record, 404, errorBody(404, 'not_found', 'The requested endpoint does not exist.'));
    }
    if (!headers.authorization)
      return answer(res, record, 401, errorBody(401, 'missing_api_key', 'Missing API key in the authorization header.'));
    if (headers.authorization !== `Bearer ${apiKey}`)
      return answer(res, record, 403, errorBody(403, 'invalid_api_key', 'API key is invalid.'));

    const fault = nextFault();
    if (fault && applyFault(fault, res, record)) return;

    if (key !== undefined && (key.length < 1 || key.length > 256)) {
      return answer(res, record, 400, errorBody(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.'));
    }
    if (body === undefined) return answer(res, record, 422, errorBody(422, 'validation_error', 'The body must be JSON.'));

    // Hashing the bytes as received: cheap (a canonical re-serialisation of a 7 MB batch cost
    // the fake ~200 ms of CPU per request) and what "the same payload" means for one client.
    const fingerprint = createHash('sha256').update(`${path}\n`).update(bytes).digest('hex');
    const stored = key === undefined ? undefined : idempotency.get(key);
    if (stored && now() - stored.storedAt < ttlMs) {
      if (stored.fingerprint !== fingerprint) {
        return answer(
          res,
          record,
          409,
          errorBody(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.'),
        );
      }
      if (stored.state === 'in-flight') {
        return answer(
          res,
          record,
          409,
          errorBody(409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress.'),
        );
      }
      record.replayed = true;
      return answer(res, record, stored.status, stored.body);
    }

    const result = processEmails(path, body, key, headers['x-batch-validation']);
    const accepted = result.status === 200;
    const entry: StoredResponse = { fingerprint, state: 'in-flight', status: result.status, body: result.body, storedAt: now() };
    if (accepted && key !== undefined) idempotency.set(key, entry);
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    entry.state = 'done';
    if (fault?.type === 'accept-then-hang' && accepted) return;
    answer(res, record, result.status, result.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify(errorBody(500, 'internal_server_error', String(error))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    /** The base URL to give the SDK (RESEND_BASE_URL). */
    url,
    apiKey,
    /** The next `count` email requests get `fault` (after any faults already queued). */
    failNext(count: number, fault: FakeResendFault) {
      for (let i = 0; i < count; i++) queuedFaults.push(fault);
    },
    /** From now on, each email request fails with probability `rate`, the fault drawn from `faults`. */
    failRandomly(config: { rate: number; seed: number; faults: FakeResendFault[] }) {
      randomFaults = { rate: config.rate, random: seededRandom(config.seed), faults: config.faults };
    },
    clearFaults() {
      queuedFaults = [];
      randomFaults = undefined;
    },
    requests: (): readonly FakeResendRequest[] => requests,
    deliveries: (): readonly FakeResendDelivery[] => deliveries,
    /** Deliveries to one address (compared case-insensitively). */
    deliveriesTo: (address: string) =>
      deliveries.filter((delivery) => delivery.to.some((to) => to.toLowerCase() === address.toLowerCase())),
    /** Resolves once `count` requests in all have arrived. */
    waitForRequests(count: number, timeoutMs = 10_000): Promise<void> {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake Resend saw ${requests.length} of ${count} requests`)), timeoutMs);
        requestWaiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    /** Forgets requests, deliveries, remembered keys and faults. */
    reset() {
      requests = [];
      deliveries = [];
      idempotency = new Map();
      queuedFaults = [];
      randomFaults = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FakeResend = Awaited<ReturnType<typeof startFakeResend>>;
