/**
 * How a digest's model is recorded. Readers of the same countries share most report lines,
 * so each line (a `DigestItem`) is stored once in `digest_items` under the hash of its JSON,
 * and `digests.model` holds the rest of the model with a reference per report. A batch of 100
 * digests then records ~0.1 MB instead of ~1.5 MB, and a batch read back (a retry after a
 * crash, the web version) is the very model first rendered: rows in `digest_items` never change.
 */
import { createHash } from 'node:crypto';
import type { Db, Tx } from './database';
import type { DigestItem, DigestModel, RecordedModel } from './digest-model';

/** A report line as recorded: its reference (128 bits of SHA-256, base64url) and its JSON. */
export interface ItemRecord {
  ref: string;
  json: string;
}

// A tick hands the same item object to every reader of an event: hash it once.
const records = new WeakMap<DigestItem, ItemRecord>();

export function itemRecord(item: DigestItem): ItemRecord {
  let record = records.get(item);
  if (!record) {
    const json = JSON.stringify(item);
    record = { ref: createHash('sha256').update(json).digest('base64url').slice(0, 22), json };
    records.set(item, record);
  }
  return record;
}

/** The model to store and the item records it refers to. */
export function recordModel(model: DigestModel): { model: RecordedModel; items: ItemRecord[] } {
  const items: ItemRecord[] = [];
  const countries = model.countries.map((country) => ({
    id: country.id,
    name: country.name,
    items: country.items.map((item) => {
      const record = itemRecord(item);
      items.push(record);
      return record.ref;
    }),
  }));
  return { model: { ...model, countries }, items };
}

/** Stored models back to full ones: each reference replaced by its report (inline reports, as recorded before 0010, stay). */
export async function readRecordedModels(db: Db | Tx, models: readonly RecordedModel[]): Promise<DigestModel[]> {
  const refs = new Set<string>();
  for (const model of models)
    for (const country of model.countries) for (const item of country.items) if (typeof item === 'string') refs.add(item);
  const found = new Map<string, DigestItem>();
  if (refs.size > 0) {
    const rows = await db
      .selectFrom('digest_items')
      .select(['ref', 'item'])
      .where('ref', 'in', [...refs])
      .execute();
    for (const row of rows) found.set(row.ref, row.item);
  }
  return models.map((model) => ({
    ...model,
    countries: model.countries.map((country) => ({
      ...country,
      items: country.items.map((item) => {
        if (typeof item !== 'string') return item;
        const full = found.get(item);
        if (!full) throw new Error(`digest item ${item} is not recorded`);
        return full;
      }),
    })),
  }));
}
