/**
 * Probes of the digests bench, each timed alone after the tick: the render of stored models,
 * mjml2html per recipient, raw posting passes to the fake Resend, the claim's plan, what a tick
 * records, and buildDigest by what the subscriber chose.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { buildDigest } from '../src/alerts/digest/build';
import { digestMessage } from '../src/alerts/digest/message';
import { indexChangeWindow } from '../src/alerts/digest/window';
import { listChangesBetween } from '../src/db/changes';
import type { DatabaseHandle } from '../src/db/connect';
import { readRecordedModels, recordModel } from '../src/db/digest-items';
import type { RecordedModel } from '../src/db/digest-model';
import type { ClaimedDigest } from '../src/db/digests';
import { loadEvents } from '../src/db/events';
import { createResendMailer, type ResendMailerOptions } from '../src/email/resend';
import type { EmailMessage } from '../src/email/transport';
import type { Deps } from '../src/services';
import { subscriberLinks } from '../src/subscribers/links';
import { compileMjml, templatesDir } from '../src/templates/compile';
import { renderDigestEmail } from '../src/templates/digest-email';
import { prepareTemplate } from '../src/templates/fill';
import type { DigestModel } from '../src/templates/models';
import { floorPercentile } from './digest-population';
import type { startFakeResendProcess } from './fake-resend-process';
import { mailerPosting, rawBodies, rawPayloads, rawPosting } from './resend-posting';
import type { StatementShape } from './statement-timer';
import { maxOf, mean, median } from './stats';

export const FAKE_RESEND_KEY = 're_test_fake_key';
const now = () => performance.now();
const log = (line: string) => console.log(line);
const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fmtRatio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
const us = (ms: number) => `${fmtInt(ms * 1000)} µs`;

/** `digestMessage` over a sample of the stored models, read back as a retry reads them; the first 1,000 messages kept for posting. */
export async function renderStoredModels(handle: DatabaseHandle, sent: number, kindOf: ReadonlyMap<string, string>, sample: number) {
  const step = Math.max(1, Math.floor(sent / sample));
  const stored = await sql<{ model: RecordedModel; item_count: number }>`
    select model, item_count from digests where status = 'sent' and id % ${step} = 0 order by id limit ${sample}`.execute(handle.db);
  // Read back as a retry reads them, then copied apart: timed alone, no model shares a report object with another.
  const models = (
    await readRecordedModels(
      handle.db,
      stored.rows.map((r) => r.model),
    )
  ).map((model) => structuredClone(model));
  for (const model of models.slice(0, 100)) digestMessage(model); // warm
  const renderMs: number[] = [];
  const renderByKind = new Map<string, number[]>();
  const shown: number[] = [];
  const messages: EmailMessage[] = [];
  for (const model of models) {
    const t = now();
    const message = digestMessage(model);
    const ms = now() - t;
    renderMs.push(ms);
    const kind = kindOf.get(model.recipient.email) ?? '?';
    renderByKind.set(kind, [...(renderByKind.get(kind) ?? []), ms]);
    if (messages.length < 1_000) messages.push(message);
  }
  for (const model of models) shown.push(renderDigestEmail(model).shownCount);
  const storedItems = stored.rows.map((r) => r.item_count);
  const sampleChars = messages.map((m) => m.html.length + (m.text?.length ?? 0));
  log(
    `  render: digestMessage over ${fmtInt(models.length)} stored models (items median ${median(storedItems)}, p90 ${floorPercentile(storedItems, 90)}; shown median ${median(shown)}, max ${maxOf(shown)}): ` +
      `median ${us(median(renderMs))}, mean ${us(mean(renderMs))}, p95 ${us(floorPercentile(renderMs, 95))}`,
  );

  return { models, renderMs, renderByKind, messages, storedItems, sampleChars };
}

/** (a) mjml2html per recipient: compile and parse the template, then the same fill as the precompiled path. */
export async function mjmlPerRecipient(tickFillMs: number, renderMs: readonly number[], calls: number) {
  const mjmlFile = join(templatesDir, 'digest.mjml');
  const source = readFileSync(mjmlFile, 'utf8');
  await compileMjml(source, mjmlFile); // warm mjml's lazy requires
  // Per recipient: compile (mjml2html + ASCII, as the build does) and parse the template, then
  // the same fill. The fill is what the precompiled path costs, so (compile + fill) / fill.
  const compileMs: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = now();
    prepareTemplate(await compileMjml(source, mjmlFile));
    compileMs.push(now() - t);
  }
  // The precompiled path is the fill as the tick runs it (reports filled once, shared by their
  // readers); mjml2html per recipient would compile per recipient and then fill the same way.
  const mjmlMs = median(compileMs) + tickFillMs;
  const mjmlRatio = mjmlMs / tickFillMs;
  // For comparison: against the fill of a stored model alone (nothing shared, every report prepared for this reader).
  const mjmlRatioAlone = (median(compileMs) + median(renderMs)) / median(renderMs);
  log(
    `  mjml2html per recipient: compile + parse median ${median(compileMs).toFixed(1)} ms over ${calls} calls; with the fill ${fmtRatio(mjmlRatio)} the precompiled ` +
      `fill as in the tick (median ${us(tickFillMs)}); ${fmtRatio(mjmlRatioAlone)} a stored model filled alone (median ${us(median(renderMs))})`,
  );

  return { compileMs, mjmlMs, mjmlRatio, mjmlRatioAlone };
}

/** (b) batches of 100 of these emails posted one at a time: as bodies serialised beforehand with fetch, and through a mailer like the tick's. */
export async function postingPasses(
  resend: Awaited<ReturnType<typeof startFakeResendProcess>>,
  messages: readonly EmailMessage[],
  mailerDeps: Omit<ResendMailerOptions, 'apiKey' | 'baseUrl'>,
  o: { batches: number; seconds: number },
) {
  const API_KEY = FAKE_RESEND_KEY;
  const EMAIL_FROM = mailerDeps.defaultFrom;
  const fake = { url: resend.url, apiKey: API_KEY };
  const bodies = rawBodies(messages, EMAIL_FROM);
  const rawPasses: { ms: number; emails: number; batches: number }[] = [];
  const rawFakeCpu: number[] = [];
  const sdkMailer = createResendMailer({
    apiKey: API_KEY,
    baseUrl: resend.url,
    ...mailerDeps,
  });
  const sdkPasses: { ms: number; emails: number; batches: number }[] = [];
  for (let pass = 1; pass <= 2; pass++) {
    await rawPosting(fake, bodies, 2, pass + 10, 0); // a fresh keep-alive connection, untimed
    await resend.reset();
    rawPasses.push(await rawPosting(fake, bodies, o.batches, pass, o.seconds * 1000));
    rawFakeCpu.push((await resend.usage()).cpuMs);
    await resend.reset();
    await mailerPosting(sdkMailer, messages, 2, pass + 10, 0);
    sdkPasses.push(await mailerPosting(sdkMailer, messages, o.batches, pass, o.seconds * 1000));
    await resend.reset();
  }
  const rawRates = rawPasses.map((p) => (p.emails / p.ms) * 1000);
  const rawRate = median(rawRates);
  const sdkRates = sdkPasses.map((p) => (p.emails / p.ms) * 1000);
  const sdkRate = median(sdkRates);
  const bodyBytes = mean(bodies.map((b) => Buffer.byteLength(b)));
  // What the fake itself does per batch (its steps, replicated here): parse and sha256 of the bytes;
  // and what the client adds in the tick: serialising the batch as the mailer does, and encoding it.
  const fakeMs: number[] = [];
  const stringifyMs: number[] = [];
  for (const [i, body] of bodies.slice(0, 5).entries()) {
    let t = now();
    const bytes = Buffer.from(body);
    JSON.parse(bytes.toString('utf8'));
    createHash('sha256').update('/emails/batch\n').update(bytes).digest('hex');
    fakeMs.push(now() - t);
    t = now();
    Buffer.from(JSON.stringify(rawPayloads(messages.slice(100 * i, 100 * i + 100), EMAIL_FROM)[0]));
    stringifyMs.push(now() - t);
  }
  const rawFakeCpuPerBatch = mean(rawFakeCpu.map((ms, i) => ms / Math.max(1, rawPasses[i]!.batches)));
  log(
    `  raw posting: ${rawPasses.map((p) => p.batches).join(' and ')} batches of 100 (${(bodyBytes / 1e6).toFixed(2)} MB per request body): ` +
      `${rawRates.map((r) => fmtInt(r)).join(' and ')} emails/s; the fake's CPU ${rawFakeCpuPerBatch.toFixed(0)} ms per batch (its parse + sha256 alone ${mean(fakeMs).toFixed(0)} ms), ` +
      `the client's serialising (as the mailer does) + UTF-8 encoding ${mean(stringifyMs).toFixed(0)} ms; through the mailer (SDK): ${sdkRates.map((r) => fmtInt(r)).join(' and ')} emails/s`,
  );

  return { rawRates, rawRate, sdkRates, sdkRate, bodyBytes, fakeMs, stringifyMs, rawFakeCpuPerBatch };
}

export async function explainClaim(handle: DatabaseHandle, asOf: Date): Promise<string> {
  const claim = `explain (analyze, format text) select d.id, s.email from digests d join subscribers s on s.id = d.subscriber_id
    where d.status = 'pending' and d.due_at <= $1 order by d.due_at, d.id limit 100 for update of d skip locked`;
  const planLines = (rows: Record<string, string>[]) => rows.map((r) => r['QUERY PLAN']!.trim());
  const client = await handle.pool!.connect();
  try {
    await client.query('begin');
    const lines = planLines((await client.query(claim, [asOf])).rows);
    // As near the end of the tick: 90% of the rows closed (rolled back below).
    await client.query(
      `update digests set status = 'sent' where id in (select id from digests where status = 'pending' order by id limit (select (count(*) * 0.9)::int from digests))`,
    );
    const late = planLines((await client.query(claim, [asOf])).rows);
    await client.query('rollback');
    const nodes = lines
      .filter(
        (l) =>
          /^(->\s*)?(Limit|LockRows|Sort|Incremental Sort|Index|Seq Scan|Bitmap|Hash|Nested Loop|Merge)/.test(l) &&
          !/^Sort (Key|Method)/.test(l),
      )
      .map((l) => l.replace(/^->\s*/, '').replace(/\s+\(cost=[^)]*\)/, ''))
      .slice(0, 8);
    const time = (ls: string[]) => ls.find((l) => l.startsWith('Execution Time')) ?? '';
    const lateScan = late.find((l) => /Rows Removed by Filter/.test(l)) ?? '';
    return `${nodes.join(' | ')} | ${time(lines)}; with 90% of the rows closed (simulated, rolled back): ${time(late)} (${lateScan})`;
  } finally {
    client.release();
  }
}

/**
 * What the tick recorded (from the tables afterwards): the rows' models, which refer to their
 * reports, and the report lines stored once each; against the whole models (`models`, read back).
 */
export async function measureRecord(handle: DatabaseHandle, models: readonly DigestModel[]) {
  const r = await sql<{ rows: string; model_bytes: string; items: string; item_bytes: string }>`
    select (select count(*) from digests where model is not null) as rows,
      (select coalesce(sum(octet_length(model::text)), 0) from digests where model is not null) as model_bytes,
      (select count(*) from digest_items) as items,
      (select coalesce(sum(octet_length(item::text)), 0) from digest_items) as item_bytes`.execute(handle.db);
  const row = r.rows[0]!;
  const rows = Math.max(1, Number(row.rows));
  return {
    modelBytesPerBatch: (100 * Number(row.model_bytes)) / rows,
    items: Number(row.items),
    itemBytes: Number(row.item_bytes),
    wholeBytesPerBatch: 100 * mean(models.map((model) => JSON.stringify(model).length)),
  };
}

/** buildDigest and the JSON of its model, timed alone for a sample of subscribers, by kind. */
export async function profileCompose(
  deps: Deps,
  handle: DatabaseHandle,
  range: { cursor: number; upTo: number; subscribers: number },
  count: number,
  kindOf: ReadonlyMap<string, string>,
) {
  const { cursor, upTo } = range;
  const changes = await listChangesBetween(handle.db, cursor, upTo);
  const window = indexChangeWindow(upTo, changes, await loadEvents(handle.db, [...new Set(changes.map((c) => c.eventId))]));
  const step = Math.max(1, Math.floor(range.subscribers / count));
  const rows = await sql<ClaimedDigest>`
    select d.id, d.subscriber_id, d.period_key, d.due_at, s.email, s.countries, s.regions, s.categories, s.frequency, s.timezone, s.skip_empty,
      ${cursor}::bigint as digest_cursor, s.token_version, s.public_id
    from digests d join subscribers s on s.id = d.subscriber_id where d.id % ${step} = 0 order by d.id limit ${count}`.execute(handle.db);
  for (const row of rows.rows.slice(0, 50)) buildDigest(deps, row, window); // warm
  // The per-subscriber part that does not depend on the changes: links and the signed view token.
  const linksMs: number[] = [];
  for (const row of rows.rows) {
    const t = now();
    const links = subscriberLinks(deps, row);
    links.manage();
    links.unsubscribe();
    links.site();
    deps.tokens.sign('view', { publicId: row.public_id, version: row.token_version, ref: String(row.id) }, { ttlMs: null });
    linksMs.push(now() - t);
  }
  const byKind = new Map<
    string,
    { kind: string; count: number; build: number[]; json: number[]; bytes: number[]; items: number[]; render: number[] }
  >();
  const builtModels: { kind: string; model: DigestModel }[] = [];
  for (const row of rows.rows) {
    const kind = kindOf.get(row.email) ?? '?';
    const k = byKind.get(kind) ?? { kind, count: 0, build: [], json: [], bytes: [], items: [], render: [] };
    byKind.set(kind, k);
    k.count++;
    let t = now();
    const built = buildDigest(deps, row, window);
    k.build.push(now() - t);
    if (built.kind !== 'send') continue;
    k.items.push(built.itemCount);
    t = now();
    const json = JSON.stringify(recordModel(built.model).model); // what the row records
    k.json.push(now() - t);
    k.bytes.push(json.length);
    builtModels.push({ kind, model: built.model });
  }
  // The fill as the tick does it: the models of one run share each event's report object, so
  // each report is prepared and filled once for all its readers. Timed in a loop of its own
  // (after a warm-up, as 96% of a tick's digests are), one digest at a time.
  for (const { model } of builtModels.slice(0, 100)) digestMessage(model);
  const renderAll: number[] = [];
  for (const { kind, model } of builtModels) {
    const t = now();
    digestMessage(model);
    const ms = now() - t;
    byKind.get(kind)!.render.push(ms);
    renderAll.push(ms);
  }
  return {
    linksMs: mean(linksMs),
    renderAll,
    byKind: new Map(
      [...byKind].map(([kind, k]) => [
        kind,
        {
          kind,
          count: k.count,
          buildMs: mean(k.build),
          jsonMs: k.json.length ? mean(k.json) : 0,
          jsonBytes: k.bytes.length ? median(k.bytes) : 0,
          items: k.items.length ? median(k.items) : 0,
          renderMs: k.render.length ? mean(k.render) : 0,
        },
      ]),
    ),
  };
}

export const digestLabel = ({ kind, table, joined, locking, text }: StatementShape): string => {
  if (kind === 'SelectQueryNode') return `select ${table ?? '?'}${joined ? ' join' : ''}${locking ? ' for update' : ''}`;
  if (kind === 'InsertQueryNode') return `insert ${table ?? '?'}`;
  if (kind === 'UpdateQueryNode') return `update ${table ?? '?'}`;
  if (kind === 'DeleteQueryNode') return 'delete';
  if (kind !== 'RawNode') return kind;
  if (text === 'with $ select id from batch')
    return 'record batch: batch + rows + new report lines (+ empty digests closed, cursors), one statement';
  if (text.includes("update digests set status = 'sent'")) return 'mark sent: batch + rows + cursors, one statement';
  if (text === 'with $ select 1') return 'close empty digests + cursors, one statement';
  return `raw: ${text.slice(0, 50)}`;
};
