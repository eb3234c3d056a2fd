/**
 * Probes of the digests bench, each timed alone after the tick: the render of stored models,
 * mjml2html per recipient, raw posting to the fake Resend, the claim's plan, what a tick records,
 * and the inbox check.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { digestMessage } from '../src/alerts/digest/message';
import type { DatabaseHandle } from '../src/db/connect';
import { readRecordedModels } from '../src/db/digest-items';
import type { RecordedModel } from '../src/db/digest-model';
import { asciiJsonString } from '../src/email/ascii-json';
import type { EmailMessage, Mailer } from '../src/email/transport';
import { compileMjml, templatesDir } from '../src/templates/compile';
import { prepareTemplate } from '../src/templates/fill';
import type { DigestModel } from '../src/templates/models';
import type { DeliverySummary } from './fake-resend-process';
import type { StatementShape } from './statement-timer';
import { mean, median } from './stats';

export const FAKE_RESEND_KEY = 're_test_fake_key';
const now = () => performance.now();
export const modelOf = (row: { model: RecordedModel }) => row.model;
const timeEach = <T, R>(list: readonly T[], f: (item: T) => R) =>
  list.map((item) => {
    const t = now();
    const value = f(item);
    return { item, value, ms: now() - t };
  });

/**
 * `digestMessage` over a sample of the stored models, read back as a retry reads them: as the tick
 * fills (the models share each report, filled once for all its readers) and copied apart (nothing shared).
 */
export async function renderStoredModels(handle: DatabaseHandle, sent: number, sample: number) {
  const step = Math.max(1, Math.floor(sent / sample));
  const { rows } = await sql<{ model: RecordedModel; item_count: number }>`
    select model, item_count from digests where status = 'sent' and id % ${step} = 0 order by id limit ${sample}`.execute(handle.db);
  const shared = await readRecordedModels(handle.db, rows.map(modelOf));
  const models = shared.map((m) => structuredClone(m));
  for (const model of models.slice(0, 100)) digestMessage(model); // warm
  const timedRenders = timeEach(models, digestMessage);
  for (const model of shared.slice(0, 100)) digestMessage(model); // warm, and the first readers of those reports fill them
  const messages = timedRenders.slice(0, 1_000).map((r) => r.value);
  return {
    models,
    messages,
    renderMs: timedRenders.map((r) => r.ms),
    fillMs: timeEach(shared, digestMessage).map((r) => r.ms),
    storedItems: rows.map((r) => r.item_count),
    sampleChars: messages.map((m) => m.html.length + m.text.length),
  };
}

/** (a) mjml2html per recipient: compile and parse the template, then the same fill as the precompiled path. */
export async function mjmlPerRecipient(tickFillMs: number, renderMs: readonly number[], calls: number) {
  const file = join(templatesDir, 'digest.mjml');
  const source = readFileSync(file, 'utf8');
  await compileMjml(source, file); // warm mjml's lazy requires
  const compileMs: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = now();
    prepareTemplate(await compileMjml(source, file));
    compileMs.push(now() - t);
  }
  const mjmlMs = median(compileMs) + tickFillMs;
  return {
    compileMs,
    mjmlMs,
    mjmlRatio: mjmlMs / tickFillMs,
    mjmlRatioAlone: (median(compileMs) + median(renderMs)) / median(renderMs),
  };
}

/** The JSON the mailer posts for each batch of 100 (non-ASCII strings as \u escapes, as src/email/ascii-json.ts writes them). */
const rawPayload = (batch: readonly EmailMessage[], from: string) =>
  batch.map((m) => ({
    from: asciiJsonString(from),
    headers: m.headers,
    html: asciiJsonString(m.html),
    subject: asciiJsonString(m.subject),
    text: asciiJsonString(m.text),
    to: m.to,
  }));
const inBatches = (messages: readonly EmailMessage[]) =>
  Array.from({ length: Math.floor(messages.length / 100) }, (_, i) => messages.slice(100 * i, 100 * i + 100));

/** Posts up to `maxBatches` (for at most `maxMs`, at least 10) one at a time; emails/s. */
async function postingRate(maxBatches: number, maxMs: number, post: (i: number) => Promise<number>) {
  const t0 = now();
  let [emails, i] = [0, 0];
  for (; i < maxBatches && (maxMs <= 0 || i < 10 || now() - t0 < maxMs); i++) emails += await post(i);
  return { rate: (emails / (now() - t0)) * 1000, batches: i };
}

/** Bodies serialised beforehand, posted with plain fetch (a connection the fake closed while idle fails once: posted again). */
export function rawPoster(fake: { url: string }, messages: readonly EmailMessage[], from: string, tag: string) {
  const bodies = inBatches(messages).map((b) => JSON.stringify(rawPayload(b, from)));
  const post = async (i: number) => {
    const send = () =>
      fetch(`${fake.url}/emails/batch`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${FAKE_RESEND_KEY}`,
          'content-type': 'application/json',
          'idempotency-key': `raw-${process.pid}-${tag}-${i}`,
          'x-batch-validation': 'strict',
        },
        body: bodies[i % bodies.length]!,
      });
    const response = await send().catch(send);
    const answer = (await response.json()) as { data?: unknown[] };
    if (response.status !== 200 || answer.data?.length !== 100) throw new Error(`raw post ${i}: ${response.status}`);
    return 100;
  };
  return { bodies, post };
}

/** (b) batches of 100 of these emails posted one at a time, two passes each: serialised beforehand with fetch, and through the mailer. */
export async function postingPasses(
  fake: { url: string; reset(): Promise<void>; usage(): Promise<{ cpuMs: number }> },
  messages: readonly EmailMessage[],
  mailer: Mailer,
  from: string,
  o: { batches: number; seconds: number },
) {
  const batches = inBatches(messages);
  const [raw, sdk, fakeCpu] = [[] as number[], [] as number[], [] as number[]];
  let bodies: string[] = [];
  for (let pass = 1; pass <= 2; pass++) {
    const poster = rawPoster(fake, messages, from, `p${pass}`);
    bodies = poster.bodies;
    await rawPoster(fake, messages, from, `w${pass}`).post(0); // a fresh keep-alive connection, untimed
    await fake.reset();
    const r = await postingRate(o.batches, o.seconds * 1000, poster.post);
    raw.push(r.rate);
    fakeCpu.push((await fake.usage()).cpuMs / Math.max(1, r.batches));
    await fake.reset();
    const viaMailer = (tag: string) => async (i: number) =>
      (await mailer.sendBatch(batches[i % batches.length]!, { idempotencyKey: `sdk-${process.pid}-${tag}-${i}` })).ids.length;
    await postingRate(2, 0, viaMailer(`w${pass}`));
    sdk.push((await postingRate(o.batches, o.seconds * 1000, viaMailer(`p${pass}`))).rate);
    await fake.reset();
  }
  // What the fake does per batch (parse + sha256, replicated), and what the client adds: serialising as the mailer does, encoding.
  const fakeMs = timeEach(bodies.slice(0, 5), (body) => {
    const bytes = Buffer.from(body);
    JSON.parse(bytes.toString('utf8'));
    createHash('sha256').update('/emails/batch\n').update(bytes).digest('hex');
  }).map((r) => r.ms);
  const stringifyMs = timeEach(batches.slice(0, 5), (b) => Buffer.from(JSON.stringify(rawPayload(b, from)))).map((r) => r.ms);
  return {
    rawRates: raw,
    rawRate: median(raw),
    sdkRates: sdk,
    sdkRate: median(sdk),
    bodyBytes: mean(bodies.map((b) => Buffer.byteLength(b))),
    fakeMs,
    stringifyMs,
    rawFakeCpuPerBatch: mean(fakeCpu),
  };
}

/** The claim's plan now, and with 90% of the rows closed (simulated, rolled back). */
export async function explainClaim(handle: DatabaseHandle, asOf: Date): Promise<string> {
  const claim = `explain (analyze, format text) select d.id, s.email from digests d join subscribers s on s.id = d.subscriber_id
    where d.status = 'pending' and d.due_at <= $1 order by d.due_at, d.id limit 100 for update of d skip locked`;
  const client = await handle.pool!.connect();
  const plan = async () => (await client.query(claim, [asOf])).rows.map((r: Record<string, string>) => r['QUERY PLAN']!.trim());
  try {
    await client.query('begin');
    const lines = await plan();
    await client.query(
      `update digests set status = 'sent' where id in (select id from digests where status = 'pending' order by id limit (select (count(*) * 0.9)::int from digests))`,
    );
    const late = await plan();
    await client.query('rollback');
    const nodes = lines
      .filter((l) => /^(->\s*)?(Limit|LockRows|Sort|Incremental Sort|Index|Seq Scan|Bitmap|Hash|Nested Loop|Merge)/.test(l))
      .filter((l) => !/^Sort (Key|Method)/.test(l))
      .map((l) => l.replace(/^->\s*/, '').replace(/\s+\(cost=[^)]*\)/, ''))
      .slice(0, 8);
    const time = (ls: string[]) => ls.find((l) => l.startsWith('Execution Time')) ?? '';
    const lateScan = late.find((l) => /Rows Removed by Filter/.test(l)) ?? '';
    return `${nodes.join(' | ')} | ${time(lines)}; with 90% of the rows closed (simulated, rolled back): ${time(late)} (${lateScan})`;
  } finally {
    client.release();
  }
}

/** What the tick recorded: the rows' models (reports by reference) and the report lines stored once, against whole models. */
export async function measureRecord(handle: DatabaseHandle, models: readonly DigestModel[]) {
  const { rows } = await sql<{ rows: string; model_bytes: string; items: string; item_bytes: string }>`
    select (select count(*) from digests where model is not null) as rows,
      (select coalesce(sum(octet_length(model::text)), 0) from digests where model is not null) as model_bytes,
      (select count(*) from digest_items) as items,
      (select coalesce(sum(octet_length(item::text)), 0) from digest_items) as item_bytes`.execute(handle.db);
  const row = rows[0]!;
  return {
    modelBytesPerBatch: (100 * Number(row.model_bytes)) / Math.max(1, Number(row.rows)),
    items: Number(row.items),
    itemBytes: Number(row.item_bytes),
    wholeBytesPerBatch: 100 * mean(models.map((model) => JSON.stringify(model).length)),
  };
}

export const digestLabel = ({ kind, table, joined, locking, text }: StatementShape): string => {
  if (kind === 'SelectQueryNode') return `select ${table ?? '?'}${joined ? ' join' : ''}${locking ? ' for update' : ''}`;
  if (kind === 'InsertQueryNode' || kind === 'UpdateQueryNode')
    return `${kind === 'InsertQueryNode' ? 'insert' : 'update'} ${table ?? '?'}`;
  if (kind === 'DeleteQueryNode') return 'delete';
  if (kind !== 'RawNode') return kind;
  if (text === 'with $ select id from batch')
    return 'record batch: batch + rows + new report lines (+ empty digests closed, cursors), one statement';
  if (text.includes("update digests set status = 'sent'")) return 'mark sent: batch + rows + cursors, one statement';
  if (text === 'with $ select 1') return 'close empty digests + cursors, one statement';
  return `raw: ${text.slice(0, 50)}`;
};

/**
 * Every subscriber's inbox against what they should have got (`expected`: email -> gets a
 * digest), their digest row and cursor, and (with `keyed`) that exactly the key holders got
 * PGP/MIME through SMTP. Problems in words.
 */
export function checkDigestInboxes(o: {
  delivered: readonly DeliverySummary[];
  rows: readonly { email: string; status: string; digest_cursor: number }[];
  expected: ReadonlyMap<string, boolean>;
  keyed: ReadonlySet<string>;
  complete: boolean;
  cursor: number;
  upTo: number;
}) {
  const inbox = new Map<string, number>();
  const count: Record<string, number> = {};
  const problem = (what: string, when: boolean) => {
    if (when) count[what] = (count[what] ?? 0) + 1;
  };
  for (const d of o.delivered) {
    for (const to of d.to) {
      inbox.set(to, (inbox.get(to) ?? 0) + 1);
      problem('deliveries to unknown addresses', !o.expected.has(to));
      problem('key holders got clear mail, or others PGP/MIME', o.keyed.has(to) !== (d.encrypted && d.via === 'smtp'));
    }
    problem('deliveries without the one-click unsubscribe headers', !d.oneClick);
  }
  const rowOf = new Map(o.rows.map((r) => [r.email, r]));
  for (const [email, wanted] of o.expected) {
    const [n, row] = [inbox.get(email) ?? 0, rowOf.get(email)];
    const closed = row?.status === 'sent' || row?.status === 'skipped';
    problem('subscribers got no digest', o.complete && wanted && n === 0);
    problem('subscribers got more than one', n > 1);
    problem('skip-empty subscribers with nothing matching got one', !wanted && n > 0);
    problem('rows marked sent but not delivered once', row?.status === 'sent' && n !== 1);
    problem('delivered but not marked sent', n > 0 && row?.status !== 'sent');
    problem('skipped although something matched or they want empty digests', row?.status === 'skipped' && wanted);
    problem("subscribers' cursors are wrong", !!row && row.digest_cursor !== (closed ? o.upTo : o.cursor));
  }
  return { problems: Object.entries(count).map(([what, n]) => `${n} ${what}`), inbox };
}
